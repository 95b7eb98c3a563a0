"""/api/v1/cases, /checkins, /alerts: scoped like the pages, written through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from fangkong.monitoring.models import Alert, CheckIn, ObservationCase
from fangkong.monitoring.tests.factories import local, open_case, resident_in

D = dt.date(2020, 2, 1)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def case(users, tree, clock):
    clock.set(local(D, 9))
    return open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)


def test_anonymous_gets_401_or_403(api, case):
    for url in (
        "/api/v1/cases/",
        f"/api/v1/cases/{case.pk}/",
        "/api/v1/checkins/",
        "/api/v1/alerts/",
    ):
        assert api.get(url).status_code in {401, 403}
    assert api.post("/api/v1/checkins/", {}).status_code in {401, 403}


def test_owner_lists_and_stranger_sees_nothing(api, users, case):
    api.force_authenticate(users["doctor"])
    data = api.get("/api/v1/cases/").json()
    assert [c["id"] for c in data["results"]] == [case.pk]
    assert data["results"][0]["resident_name"] == case.resident.name
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    api.force_authenticate(users["stranger"])
    assert api.get("/api/v1/cases/").json()["results"] == []
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_create_a_case_and_a_checkin_with_fever(api, users, tree, case):
    resident = resident_in(tree["qianjin_g2"])
    api.force_authenticate(users["cadre"])
    response = api.post(
        "/api/v1/cases/",
        {
            "resident": resident.pk,
            "category": "close_contact",
            "mode": "centralised",
            "site_name": "隔离点",
            "start_date": "2020-02-01",
            "doctor": users["doctor"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["planned_end"] == "2020-02-15"
    response = api.post(
        "/api/v1/checkins/",
        {"case": case.pk, "date": "2020-02-01", "slot": 1, "temperature": "38.4"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["fever"] is True
    alert = Alert.objects.get()
    response = api.get("/api/v1/alerts/?open=1").json()
    assert [a["id"] for a in response["results"]] == [alert.pk]
    response = api.post(f"/api/v1/alerts/{alert.pk}/handle/", {"action": "hospital"}, format="json")
    assert response.status_code == 200 and response.json()["is_open"] is False
    assert (
        api.post(
            f"/api/v1/alerts/{alert.pk}/handle/", {"action": "hospital"}, format="json"
        ).status_code
        == 400
    )


@pytest.mark.parametrize("temperature", ["34.9", "42.5", "abc"])
def test_bad_temperature_is_400(api, users, case, temperature):
    api.force_authenticate(users["cadre"])
    response = api.post(
        "/api/v1/checkins/",
        {"case": case.pk, "date": "2020-02-01", "slot": 1, "temperature": temperature},
        format="json",
    )
    assert response.status_code == 400
    assert "temperature" in response.json()
    assert not CheckIn.objects.exists()


def test_stranger_and_viewer_cannot_write(api, users, tree, case):
    resident = resident_in(tree["qianjin_g2"])
    body = {
        "resident": resident.pk,
        "category": "returnee",
        "mode": "home",
        "start_date": "2020-02-01",
    }
    api.force_authenticate(users["viewer"])
    assert api.post("/api/v1/cases/", body, format="json").status_code == 403
    checkin = {"case": case.pk, "date": "2020-02-01", "slot": 1, "temperature": "36.5"}
    assert api.post("/api/v1/checkins/", checkin, format="json").status_code == 403
    api.force_authenticate(users["stranger"])
    assert api.post("/api/v1/cases/", body, format="json").status_code == 400  # not his resident
    assert api.post("/api/v1/checkins/", checkin, format="json").status_code == 400  # not his case
    assert ObservationCase.objects.count() == 1 and not CheckIn.objects.exists()
