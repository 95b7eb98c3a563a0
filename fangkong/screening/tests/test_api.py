"""/api/v1/rounds and /api/v1/visits: scoped lists, 404 for other areas, 403 for read-only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fangkong.screening.models import HouseholdVisit, ScreeningRound
from fangkong.screening.tests.conftest import DAY, first_resident
from fangkong.screening.tests.factories import RoundFactory, record_visit


def api(users, name=None) -> APIClient:
    client = APIClient()
    if name:
        client.force_authenticate(users[name])
    return client


@pytest.fixture
def village_round(tree, users, risk_areas):
    return RoundFactory(area=tree["qianjin"], created_by=users["cadre"], name="前进村排查")


def test_anonymous_is_refused(users, village_round):
    client = api(users)
    for path in [
        "/api/v1/rounds/",
        "/api/v1/visits/",
        f"/api/v1/rounds/{village_round.pk}/coverage/",
    ]:
        assert client.get(path).status_code in {401, 403}
    assert client.post("/api/v1/rounds/", {}).status_code in {401, 403}


def test_rounds_are_scoped(users, tree, village_round, township_round):
    names = [r["name"] for r in api(users, "grid_worker").get("/api/v1/rounds/").json()["results"]]
    assert set(names) == {"前进村排查", "春节返乡人员全面排查"}
    stranger = api(users, "stranger")
    assert [r["name"] for r in stranger.get("/api/v1/rounds/").json()["results"]] == [
        "春节返乡人员全面排查"
    ]
    assert stranger.get(f"/api/v1/rounds/{village_round.pk}/").status_code == 404
    assert stranger.get(f"/api/v1/rounds/{village_round.pk}/coverage/").status_code == 404


def test_round_create(users, tree):
    response = api(users, "cadre").post(
        "/api/v1/rounds/",
        {"area": tree["qianjin"].pk, "name": "复工排查", "started_on": "2020-02-10"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["area_name"] == "前进村"
    # A grid worker may write visits but not rounds; a viewer writes nothing; a stranger
    # cannot aim at 前进村.
    for who, status in (("grid_worker", 403), ("viewer", 403), ("stranger", 400)):
        response = api(users, who).post(
            "/api/v1/rounds/",
            {"area": tree["qianjin"].pk, "name": "x", "started_on": "2020-02-10"},
            format="json",
        )
        assert response.status_code == status, (who, response.json())
    assert ScreeningRound.objects.count() == 1


def test_coverage_endpoint(users, tree, homes, township_round):
    record_visit(
        township_round,
        homes["qianjin_g1"][0],
        by=users["grid_worker"],
        visited_on=DAY,
        people=[{"resident": first_resident(homes["qianjin_g1"][0])}],
    )
    client = api(users, "township")
    data = client.get(f"/api/v1/rounds/{township_round.pk}/coverage/").json()
    assert (data["households"], data["visited"], data["unvisited"]) == (7, 1, 6)
    assert {c["name"]: c["visited"] for c in data["children"]} == {"前进村": 1, "白云村": 0}
    data = client.get(
        f"/api/v1/rounds/{township_round.pk}/coverage/", {"area": tree["qianjin"].pk}
    ).json()
    assert data["households"] == 5
    grid = api(users, "grid_worker").get(f"/api/v1/rounds/{township_round.pk}/coverage/")
    assert grid.json()["households"] == 3
    assert (
        api(users, "grid_worker")
        .get(f"/api/v1/rounds/{township_round.pk}/coverage/", {"area": tree["baiyun"].pk})
        .status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/rounds/{township_round.pk}/coverage/", {"area": "x"}).status_code
        == 400
    )


def test_visit_create_and_list(users, homes, township_round):
    household = homes["qianjin_g1"][0]
    head = first_resident(household)
    payload = {
        "round": township_round.pk,
        "household": household.pk,
        "visited_on": DAY.isoformat(),
        "method": "phone",
        "outcome": "visited",
        "people": [
            {"resident": head.pk, "travel_from": "湖北孝感", "returned_on": "2020-01-21"},
            {"name": "来访亲戚", "travel_from": "广东深圳"},
        ],
    }
    response = api(users, "grid_worker").post("/api/v1/visits/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [p["via_risk_area"] for p in body["people"]] == [True, False]
    assert body["people"][0]["origin_name"] == "湖北省孝感市"
    listed = api(users, "cadre").get("/api/v1/visits/", {"round": township_round.pk}).json()
    assert [v["id"] for v in listed["results"]] == [body["id"]]
    assert api(users, "stranger").get("/api/v1/visits/").json()["count"] == 0
    assert api(users, "stranger").get(f"/api/v1/visits/{body['id']}/").status_code == 404
    assert api(users, "cadre").get("/api/v1/visits/", {"round": "x"}).json()["count"] == 0


def test_visit_create_refusals(users, homes, township_round):
    household = homes["qianjin_g1"][0]
    payload = {
        "round": township_round.pk,
        "household": household.pk,
        "visited_on": DAY.isoformat(),
        "outcome": "visited",
        "people": [{"resident": first_resident(household).pk}],
    }
    assert api(users, "viewer").post("/api/v1/visits/", payload, format="json").status_code == 403
    assert api(users, "stranger").post("/api/v1/visits/", payload, format="json").status_code == 400
    other = first_resident(homes["qianjin_g1"][1]).pk
    bad_person = {**payload, "people": [{"resident": other}]}
    response = api(users, "grid_worker").post("/api/v1/visits/", bad_person, format="json")
    assert response.status_code == 400 and "people" in response.json()
    # Residents are read together, in the caller's scope: one of another village is answered
    # as if it did not exist, at its place in the list.
    stranger = first_resident(homes["baiyun_g1"][0]).pk
    people = [{"resident": first_resident(household).pk}, {"resident": stranger}]
    response = api(users, "grid_worker").post(
        "/api/v1/visits/", {**payload, "people": people}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["people"][0] == {}
    assert str(stranger) in response.json()["people"][1]["resident"][0]
    # the round and the household are read together: each missing one is named
    elsewhere = {**payload, "household": homes["baiyun_g1"][0].pk}
    response = api(users, "grid_worker").post("/api/v1/visits/", elsewhere, format="json")
    assert response.status_code == 400 and set(response.json()) == {"household"}
    nowhere = {**elsewhere, "round": 10**9}
    response = api(users, "grid_worker").post("/api/v1/visits/", nowhere, format="json")
    assert response.status_code == 400 and set(response.json()) == {"round", "household"}
    early = {**payload, "visited_on": "2019-12-31"}
    response = api(users, "grid_worker").post("/api/v1/visits/", early, format="json")
    assert response.status_code == 400 and "visited_on" in response.json()
    assert not HouseholdVisit.objects.exists()


def test_visit_list_queries_do_not_grow(
    users, homes, township_round, django_assert_max_num_queries
):
    client = api(users, "township")
    household = homes["qianjin_g1"][0]
    record_visit(
        township_round,
        household,
        by=users["township"],
        visited_on=DAY,
        people=[{"resident": first_resident(household)}],
    )
    with django_assert_max_num_queries(6) as first:
        assert client.get("/api/v1/visits/").json()["count"] == 1
    for key in ("qianjin_g2", "baiyun_g1"):
        for h in homes[key]:
            record_visit(
                township_round,
                h,
                by=users["township"],
                visited_on=DAY,
                people=[{"resident": first_resident(h)}, {"name": "访客"}],
            )
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get("/api/v1/visits/").json()["count"] == 5
