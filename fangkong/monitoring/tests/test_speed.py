"""A check-in posted to the API costs a fixed, small number of queries (issue 19), whatever the
number of cases, check-ins and workers around it; the per-process copies of the points scheme and
of the user's worker record follow a change at once.

Queries of one check-in through ``/api/v1/checkins/`` with a real token, counted on SQLite inside
the test's transaction (so each ``atomic`` is a SAVEPOINT/RELEASE pair):

| before (main, 2026-11-30) | after | after (writespeed2) |
| --- | --- | --- |
| 15 on time or late, 16 with a fever (+1 the first time: the content type) | 9 on time, 10 late, +1 with a fever | 7 on time, 8 late, +1 with a fever |

Gone: the worker record and the scheme's rule (read per process), the entry's area (known), the
savepoint around the points entry (``ON CONFLICT DO NOTHING``: the constraint keeps it once), and
for a reading taken before its slot closed, the update of a missed alert that cannot exist yet.
Then (writespeed2): the savepoint around the check-in's insert (the service's own transaction
undoes a duplicate), and the token and the case each read by one hand-written query (the same
query count, but no ORM compilation: it cost more than the query).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from fangkong.accounts.tokens import api_token_issue
from fangkong.monitoring.api import CheckInSerializer
from fangkong.monitoring.models import Alert, CheckIn
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.workforce.models import PointEntry, PointRule, Worker

D = dt.date(2020, 2, 1)
# token; case; begin; insert; missed alert closed; audit; points; commit. On PostgreSQL the audit
# row and the points entry go in one round trip (``rows.together``, writespeed6): 8 -> 7 there.
LATE = 7 if connection.vendor == "postgresql" else 8
ON_TIME = LATE - 1  # no missed alert can exist before the slot closes
FEVER = 1  # the alert


@pytest.fixture
def setup(users, tree, clock):
    clock.set(local(D, 8))
    cases = [open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D) for _ in range(3)]
    PointRule.objects.create(county=tree["county"], kind="checkin_taken", points=1)
    Worker.objects.create(area=tree["qianjin"], name="村干部", kind="cadre", user=users["cadre"])
    api = APIClient(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=users['cadre'])[1]}")
    return api, cases


def _post(api, case, day, slot, temperature="36.5"):
    body = {"case": case.pk, "date": day.isoformat(), "slot": slot, "temperature": temperature}
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/checkins/", body, format="json")
    assert response.status_code == 201, response.content
    return len(queries), response.json()


def test_a_checkin_costs_a_fixed_number_of_queries(setup, clock, users):
    api, cases = setup
    _post(api, cases[0], D, 1)  # warm: the content type, the scheme, the worker
    assert _post(api, cases[1], D, 1)[0] == ON_TIME
    assert _post(api, cases[2], D, 1, "38.2")[0] == ON_TIME + FEVER
    clock.set(local(D + dt.timedelta(days=1), 8))
    assert _post(api, cases[2], D, 2)[0] == LATE + 1  # a day on: the token's last use noted
    assert _post(api, cases[0], D, 2)[0] == LATE
    count, answer = _post(api, cases[1], D, 2, "38.0")
    assert count == LATE + FEVER and answer["fever"] is True
    # Everything was written: six check-ins, two fevers, six points entries on the worker.
    assert CheckIn.objects.count() == 6
    assert Alert.objects.filter(kind="fever").count() == 2
    worker = Worker.objects.get(user=users["cadre"])
    assert list(PointEntry.objects.values_list("worker_id", "points")) == [(worker.pk, 1)] * 6


def test_the_points_scheme_and_the_worker_follow_a_change_at_once(setup, users, tree):
    api, cases = setup
    _post(api, cases[0], D, 1)
    PointRule.objects.filter(kind="checkin_taken").get().delete()  # post_delete: copy emptied
    _post(api, cases[1], D, 1)
    assert PointEntry.objects.count() == 1
    rule = PointRule.objects.create(county=tree["county"], kind="checkin_taken", points=3)
    worker = Worker.objects.get(user=users["cadre"])
    worker.user = None  # unlinked: the points stay with the user
    worker.save()
    _post(api, cases[2], D, 1)
    entry = PointEntry.objects.order_by("pk").last()
    assert (entry.points, entry.worker_id, entry.user_id) == (rule.points, None, users["cadre"].pk)


def test_the_lean_answer_is_the_serializers(setup):
    """The POST answers without the serializer (``core.lean``, issue 19): the same JSON as the
    serializer gives for the check-in read back; a body it is not sure of gets the serializer's
    400, by field."""
    api, cases = setup
    _count, answer = _post(api, cases[0], D, 1, "38.1")
    checkin = CheckIn.objects.select_related("case__resident", "case__policy").get(pk=answer["id"])
    expected = CheckInSerializer(checkin, context={"request": None}).data
    assert answer == json.loads(JSONRenderer().render(expected))
    body = {"case": cases[1].pk, "date": D.isoformat(), "slot": 3, "temperature": "36.5"}
    refused = api.post("/api/v1/checkins/", body, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["slot"]
