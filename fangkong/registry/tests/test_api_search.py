"""Full ID and phone numbers are searched by POST (the body never reaches the access log); a GET
with one in the query string is refused with the way to do it."""

from __future__ import annotations

from rest_framework.test import APIClient

from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number


def _api(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(user)
    return api


def test_full_numbers_by_post_and_never_in_the_url(users, tree):
    number = make_id_number()
    household = HouseholdFactory(area=tree["qianjin_g1"], head_name="赵六")
    resident = ResidentFactory(household=household, id_number=number, phone="13812345678")
    api = _api(users["grid_worker"])
    for url in ("/api/v1/households/search/", "/api/v1/residents/search/"):
        found = api.post(url, {"q": number}, format="json")
        assert found.status_code == 200, found.json()
        assert [r["id"] for r in found.json()["results"]] == [
            household.pk if "households" in url else resident.pk
        ]
        assert number not in found.content.decode()  # answered masked
        by_phone = api.post(url, {"q": "138 1234 5678"}, format="json").json()["results"]
        assert len(by_phone) == 1
    refused = api.get("/api/v1/households/", {"q": number})
    assert refused.status_code == 400
    assert "POST /api/v1/households/search/" in refused.json()["q"][0]
    assert "完整" in refused.json()["q"][0]
    assert api.get("/api/v1/households/", {"q": "13812345678"}).status_code == 400
    assert api.get("/api/v1/households/", {"q": "赵六"}).json()["count"] == 1  # a name is fine
    # the stranger of 白云村 finds nothing; the viewer may search (a read), not write
    stranger = _api(users["stranger"])
    assert stranger.post("/api/v1/residents/search/", {"q": number}).json()["results"] == []
    viewer = _api(users["viewer"])
    assert viewer.post("/api/v1/residents/search/", {"q": number}).json()["count"] == 1
    assert viewer.post("/api/v1/residents/", {"household": household.pk}).status_code == 403
    assert api.post("/api/v1/residents/search/", {}).status_code == 400


def test_anonymous_cannot_search(db):
    response = APIClient().post("/api/v1/residents/search/", {"q": "13812345678"})
    assert response.status_code == 401
