"""The REST API: token and session auth, scope (404 for other areas), read-only (403 on writes)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from fangkong.accounts.tests.factories import PASSWORD
from fangkong.registry.models import Household, Resident
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number
from fangkong.registry.tests.test_import import GOOD, sheet_csv


@pytest.fixture
def data(tree):
    home = HouseholdFactory(area=tree["qianjin_g1"], head_name="王大明")
    resident = ResidentFactory(household=home, name="王大明")
    away = HouseholdFactory(area=tree["baiyun_g1"], head_name="白云户")
    ResidentFactory(household=away, name="白云人")
    return {"home": home, "resident": resident, "away": away}


def client_for(users, name: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": users[name].username, "password": PASSWORD}
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_token_requires_the_right_password(users):
    response = APIClient().post("/api/v1/auth/token/", {"username": "cadre", "password": "x"})
    assert response.status_code == 400 and "token" not in response.json()


def test_anonymous_is_refused_everywhere(data):
    client = APIClient()
    for url in ["/api/v1/households/", "/api/v1/residents/", "/api/v1/areas/", "/api/v1/schema/"]:
        assert client.get(url).status_code in {401, 403}, url
    assert client.post("/api/v1/households/", {}).status_code in {401, 403}


def test_lists_are_scoped_and_masked(users, data):
    cadre = client_for(users, "cadre")
    households = cadre.get("/api/v1/households/").json()
    assert [h["head_name"] for h in households["results"]] == ["王大明"]
    residents = cadre.get("/api/v1/residents/").json()["results"]
    assert [r["name"] for r in residents] == ["王大明"]
    assert residents[0]["id_masked"] == data["resident"].id_masked
    assert data["resident"].id_number not in str(residents)
    assert "id_number" not in residents[0] and "phone" not in residents[0]
    stranger = client_for(users, "stranger")
    assert [h["head_name"] for h in stranger.get("/api/v1/households/").json()["results"]] == [
        "白云户"
    ]
    areas = {a["name"] for a in cadre.get("/api/v1/areas/").json()["results"]}
    assert areas == {"前进村", "前进村1网格", "前进村2网格"}


def test_search_by_full_id_uses_the_blind_index(users, data):
    # A full number is searched by POST (never in a URL); ten digits of it match nobody.
    cadre = client_for(users, "cadre")
    search = "/api/v1/households/search/"
    assert cadre.post(search, {"q": data["resident"].id_number}).json()["count"] == 1
    assert cadre.post(search, {"q": data["resident"].id_number[:10]}).json()["count"] == 0


def test_out_of_scope_objects_are_404(users, data):
    stranger = client_for(users, "stranger")
    assert stranger.get(f"/api/v1/households/{data['home'].pk}/").status_code == 404
    assert stranger.get(f"/api/v1/residents/{data['resident'].pk}/").status_code == 404
    assert (
        stranger.patch(f"/api/v1/residents/{data['resident'].pk}/", {"name": "x"}).status_code
        == 404
    )
    response = stranger.post(
        "/api/v1/residents/",
        {"household": data["home"].pk, "name": "x", "id_number": make_id_number()},
    )
    assert response.status_code == 400 and "household" in response.json()
    assert Resident.objects.filter(name="x").count() == 0


def test_read_only_user_gets_403_on_writes(users, data):
    viewer = client_for(users, "viewer")
    assert viewer.get(f"/api/v1/households/{data['home'].pk}/").status_code == 200
    assert viewer.patch(f"/api/v1/households/{data['home'].pk}/", {"notes": "x"}).status_code == 403
    assert viewer.post("/api/v1/households/", {}).status_code == 403
    upload = SimpleUploadedFile("a.csv", sheet_csv(GOOD))
    assert viewer.post("/api/v1/imports/", {"file": upload, "area": 1}).status_code == 403


def test_create_household_and_resident_validates_and_derives(users, tree, data):
    worker = client_for(users, "grid_worker")
    response = worker.post(
        "/api/v1/households/",
        {
            "area": tree["qianjin_g1"].pk,
            "address": "前进村9号",
            "head_name": "赵六",
            "phone": "+86 138 1234 5678",
        },
    )
    assert response.status_code == 201, response.json()
    household = Household.objects.get(pk=response.json()["id"])
    assert household.phone == "13812345678"
    bad = worker.post(
        "/api/v1/residents/",
        {"household": household.pk, "name": "赵六", "id_number": "430502199001011230"},
    )
    assert bad.status_code == 400 and bad.json()["id_number"]
    number = make_id_number(sex="F")
    good = worker.post(
        "/api/v1/residents/",
        {"household": household.pk, "name": "赵六", "id_number": number.lower(), "sex": "M"},
    )
    assert good.status_code == 201, good.json()
    assert good.json()["sex"] == "F"
    duplicate = worker.post(
        "/api/v1/residents/", {"household": household.pk, "name": "又一个", "id_number": number}
    )
    assert duplicate.status_code == 400 and "id_number" in duplicate.json()
    # a grid worker cannot put a household in another grid of the village
    outside = worker.post(
        "/api/v1/households/",
        {"area": tree["qianjin_g2"].pk, "address": "x", "head_name": "y"},
    )
    assert outside.status_code == 400 and "area" in outside.json()


def test_import_endpoint(users, tree):
    cadre = client_for(users, "cadre")
    bad = [*GOOD, ["坏", "123", "", "", "", "x", "1网格", "", ""]]
    response = cadre.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("a.csv", sheet_csv(bad)), "area": tree["qianjin"].pk},
        format="multipart",
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["rows"], body["created"], body["rejected"]) == (4, 3, 1)
    assert body["errors"][0]["row"] == 6 and body["errors"][0]["code"] == "id_length"
    again = cadre.post(
        "/api/v1/imports/",
        {
            "file": SimpleUploadedFile("a.csv", sheet_csv(GOOD)),
            "area": tree["qianjin"].pk,
            "dry_run": True,
        },
        format="multipart",
    )
    assert again.status_code == 200 and again.json()["unchanged"] == 3
    unusable = cadre.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("a.csv", b"x,y\n1,2\n"), "area": tree["qianjin"].pk},
        format="multipart",
    )
    assert unusable.status_code == 400 and "file" in unusable.json()
    stranger = client_for(users, "stranger")
    response = stranger.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("a.csv", sheet_csv(GOOD)), "area": tree["qianjin"].pk},
        format="multipart",
    )
    assert response.status_code == 400 and "area" in response.json()
    assert Resident.objects.count() == 3


def test_docs_are_served_without_a_cdn(client, users):
    client.login(username="cadre", password=PASSWORD)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "https://" not in html
    assert client.get("/api/v1/schema/").status_code == 200
