"""Idempotency keys on the API's field writes: a passage, a check-in, an errand and its money,
retried with the same key, are made once; a stranger's key is his own."""

from __future__ import annotations

import datetime as dt

from rest_framework.test import APIClient

from fangkong.care.models import Errand
from fangkong.checkpoints.models import Passage
from fangkong.checkpoints.tests.factories import make_checkpoint, staff_in
from fangkong.monitoring.models import CheckIn
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.registry.tests.factories import HouseholdFactory

D = dt.date(2020, 2, 1)


def _twice(api: APIClient, url: str, body: dict, key: str) -> tuple:
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    return first, again


def test_a_passage_retried_is_one_passage(users, tree, clock):
    clock.set(local(D, 9))
    checkpoint = make_checkpoint(tree["qianjin"])
    api = APIClient()
    api.force_authenticate(staff_in(tree["qianjin"]))
    body = {
        "checkpoint": checkpoint.pk,
        "direction": "in",
        "subject": "person",
        "name": "访客",
        "outcome": "turned_back",
    }
    first, again = _twice(api, "/api/v1/passages/", body, "p-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Passage.objects.count() == 1
    conflict = api.post(
        "/api/v1/passages/", {**body, "name": "别人"}, format="json", HTTP_IDEMPOTENCY_KEY="p-1"
    )
    assert conflict.status_code == 422 and Passage.objects.count() == 1
    stranger = APIClient()
    stranger.force_authenticate(users["stranger"])
    refused = stranger.post("/api/v1/passages/", body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert refused.status_code == 400 and Passage.objects.count() == 1  # not his checkpoint


def test_a_checkin_retried_is_one_checkin(users, tree, clock):
    clock.set(local(D, 9))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    api = APIClient()
    api.force_authenticate(users["doctor"])
    body = {"case": case.pk, "date": "2020-02-01", "slot": 1, "temperature": "36.5"}
    first, again = _twice(api, "/api/v1/checkins/", body, "c-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert CheckIn.objects.count() == 1
    stranger = APIClient()
    stranger.force_authenticate(users["stranger"])
    assert (
        stranger.post("/api/v1/checkins/", body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    ).status_code == 400


def test_an_errand_and_its_money_retried_are_written_once(users, tree, clock):
    clock.set(local(D, 9))
    household = HouseholdFactory(area=tree["qianjin_g1"])
    api = APIClient()
    api.force_authenticate(users["grid_worker"])
    body = {"household": household.pk, "kind": "medicine", "details": "感冒灵", "source": "phone"}
    first, again = _twice(api, "/api/v1/errands/", body, "e-1")
    assert first.status_code == again.status_code == 201 and Errand.objects.count() == 1
    pk = first.json()["id"]
    api.post(f"/api/v1/errands/{pk}/take/")
    done, done_again = _twice(api, f"/api/v1/errands/{pk}/done/", {"money_spent": "23.40"}, "d")
    assert done.status_code == done_again.status_code == 200
    repaid, repaid_again = _twice(api, f"/api/v1/errands/{pk}/repay/", {"amount": "20"}, "r")
    assert repaid.status_code == repaid_again.status_code == 200
    assert repaid.json() == repaid_again.json()
    assert str(Errand.objects.get().money_repaid) == "20.00"
