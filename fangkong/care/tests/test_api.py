"""/api/v1/errands and /api/v1/care-plans: scoped like the pages, written through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from fangkong.care.models import Errand
from fangkong.care.tests.factories import errand_in
from fangkong.monitoring.tests.factories import local, resident_in
from fangkong.registry.tests.factories import HouseholdFactory

D = dt.date(2020, 2, 3)


@pytest.fixture
def api(clock):
    clock.set(local(D, 9))
    return APIClient()


def test_anonymous_is_refused(api, users, tree):
    errand = errand_in(tree["qianjin_g1"], by=users["cadre"])
    for url in ("/api/v1/errands/", f"/api/v1/errands/{errand.pk}/", "/api/v1/care-plans/"):
        assert api.get(url).status_code in {401, 403}
    assert api.post(f"/api/v1/errands/{errand.pk}/take/").status_code in {401, 403}


def test_an_errand_through_the_api(api, users, tree, volunteer):
    household = HouseholdFactory(area=tree["qianjin_g1"])
    api.force_authenticate(users["grid_worker"])
    created = api.post(
        "/api/v1/errands/",
        {"household": household.pk, "kind": "medicine", "details": "感冒灵", "source": "phone"},
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    api.force_authenticate(volunteer)  # checkpoint staff run errands too
    assert api.post(f"/api/v1/errands/{pk}/take/").json()["status"] == "assigned"
    done = api.post(f"/api/v1/errands/{pk}/done/", {"money_spent": "23.40"})
    assert done.status_code == 200 and done.json()["money_spent"] == "23.40"
    assert api.post(f"/api/v1/errands/{pk}/repay/", {"amount": "30"}).status_code == 400
    totals = api.get("/api/v1/errands/totals/").json()
    assert totals["villages"] == [
        {
            "label": "前进村",
            "done": 1,
            "money_spent": "23.40",
            "money_repaid": "0.00",
            "outstanding": "23.40",
        }
    ]
    assert [e["id"] for e in api.get("/api/v1/errands/?status=done").json()["results"]] == [pk]


def test_stranger_sees_nothing_and_viewer_writes_nothing(api, users, tree):
    errand = errand_in(tree["qianjin_g1"], by=users["cadre"])
    api.force_authenticate(users["stranger"])
    assert api.get("/api/v1/errands/").json()["results"] == []
    assert api.get(f"/api/v1/errands/{errand.pk}/").status_code == 404
    assert api.post(f"/api/v1/errands/{errand.pk}/take/").status_code == 404
    assert api.get("/api/v1/errands/totals/").json()["villages"] == []
    created = api.post(
        "/api/v1/errands/",
        {"household": errand.household.pk, "kind": "medicine", "details": "越权"},
    )
    assert created.status_code == 400  # not a household he may see
    api.force_authenticate(users["viewer"])
    assert api.get(f"/api/v1/errands/{errand.pk}/").status_code == 200
    assert api.post(f"/api/v1/errands/{errand.pk}/take/").status_code == 403
    assert Errand.objects.get().status == "requested"


def test_care_plans_visits_and_overdue(api, users, tree):
    ill = resident_in(tree["qianjin_g1"], name="癌症患者", chronic_illness=True)
    api.force_authenticate(users["doctor"])
    created = api.post(
        "/api/v1/care-plans/",
        {
            "resident": ill.pk,
            "kind": "doctor_visit",
            "description": "每周上门诊疗",
            "every_days": 7,
            "starts_on": "2020-01-20",
            "responsible": users["doctor"].pk,
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert [o["resident_name"] for o in api.get("/api/v1/care-plans/overdue/").json()] == [
        "癌症患者"
    ]
    api.force_authenticate(users["grid_worker"])  # a field worker records the visit
    assert api.post(f"/api/v1/care-plans/{pk}/visits/", {"date": "2020-02-03"}).status_code == 201
    assert api.get("/api/v1/care-plans/overdue/").json() == []
    api.force_authenticate(users["stranger"])
    assert api.get(f"/api/v1/care-plans/{pk}/").status_code == 404
    assert api.post(f"/api/v1/care-plans/{pk}/visits/", {"date": "2020-02-03"}).status_code == 404
    assert api.get("/api/v1/care-plans/overdue/").json() == []
    plain = resident_in(tree["qianjin_g1"])
    api.force_authenticate(users["doctor"])
    refused = api.post(
        "/api/v1/care-plans/",
        {
            "resident": plain.pk,
            "kind": "home_visit",
            "description": "x",
            "every_days": 7,
            "starts_on": "2020-02-01",
            "responsible": users["doctor"].pk,
        },
    )
    assert refused.status_code == 400 and "resident" in refused.json()
