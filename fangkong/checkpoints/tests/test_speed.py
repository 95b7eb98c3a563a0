"""Registering a passage is one request with a constant number of queries, whatever the number
of passages, passes, residents and risk areas around it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from fangkong.accounts.tokens import api_token_issue
from fangkong.checkpoints import services
from fangkong.checkpoints.api import PassageSerializer
from fangkong.checkpoints.models import Outcome, Passage
from fangkong.checkpoints.tests.factories import make_checkpoint, person, staff_in
from fangkong.monitoring.models import ObservationPolicy
from fangkong.monitoring.tests.factories import local, resident_in
from fangkong.screening.tests.factories import RiskAreaFactory

# session + user, checkpoint, resident by ID, savepoint pair, the checkpoint locked, the passage
# unless it repeats one (one statement), audit row ... The fever policy and the risk areas are read
# once per process (issue 19: 14 before, then 13 with the repeat check a query of its own).
MAX_QUERIES = 12  # the first registration of the process, which reads policy and risk areas
# The API (issue 19), with a real token, a vehicle from a risk area with its two people listed:
# token; checkpoint; savepoint; lock; the passage unless it repeats one (one INSERT … WHERE NOT
# EXISTS); its 2 occupants (one INSERT); audit; release. Before: 15 (the checkpoint again with
# its area, the fever policy, the risk areas, the people read back), then 10 (one INSERT per
# occupant), then 9 (the repeat check a query of its own).
API_QUERIES = 8


def _post(client, checkpoint, **extra):
    data = {
        "direction": "in",
        "subject": "vehicle",
        "plate": "湘E12345",
        "people": "2",
        "vehicle_type": "car",
        "name": "司机",
        "phone": "13912345678",
        "travel_from": "湖北武汉",
        "temperature": "36.5",
        "outcome": Outcome.ALLOWED,
        **extra,
    }
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("checkpoints:desk", args=[checkpoint.pk]), data)
    assert response.status_code == 302, response.content.decode()[:500]
    return len(queries)


@pytest.mark.django_db
def test_registering_a_passage_costs_the_same_with_one_or_many_around(client, tree):
    staff = staff_in(tree["qianjin"])
    checkpoint = make_checkpoint(tree["qianjin"])
    client.force_login(staff)
    resident = resident_in(tree["qianjin_g1"])
    first = _post(client, checkpoint, id_number=resident.id_number)
    assert first <= MAX_QUERIES
    # Many more of everything around it.
    for i in range(30):
        RiskAreaFactory(name=f"区{i}", level="county", code=f"4201{i:02d}000000")
        resident_in(tree["qianjin_g2"])
        services.passage_register(
            by=staff, checkpoint=checkpoint, details=person(name=f"人{i}"), outcome="allowed"
        )
    # Another car and person (the same again within two minutes would be a repeat).
    other = resident_in(tree["qianjin_g1"])
    # The fever policy is still in this process's copy; the risk areas changed, so are read again.
    assert _post(client, checkpoint, id_number=other.id_number, plate="湘E54321") == first - 1


def _api_post(api, checkpoint, plate, travel_from="湖北武汉"):
    body = {
        "checkpoint": checkpoint.pk,
        "direction": "in",
        "subject": "vehicle",
        "plate": plate,
        "vehicle_type": "car",
        "people": 2,
        "name": "司机",
        "phone": "13912345678",
        "travel_from": travel_from,
        "temperature": "36.5",
        "outcome": Outcome.ALLOWED,
        "occupants": [
            {"name": "甲", "phone": "13800000001"},
            {"name": "乙", "phone": "13800000002"},
        ],
    }
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/passages/", body, format="json")
    assert response.status_code == 201, response.content
    return len(queries), response.json()


@pytest.mark.django_db
def test_a_passage_through_the_api_costs_a_fixed_number_of_queries(tree, clock):
    clock.set(local(dt.date(2020, 2, 1), 9))
    RiskAreaFactory(name="湖北省", level="province", code="420000000000")
    staff = staff_in(tree["qianjin"])
    checkpoint = make_checkpoint(tree["qianjin"])
    api = APIClient(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=staff)[1]}")
    _api_post(api, checkpoint, "湘E10000")  # warm: the fever policy, the risk areas
    count, answer = _api_post(api, checkpoint, "湘E10001")
    assert count == API_QUERIES
    assert answer["via_risk_area"] is True
    assert [o["outcome"] for o in answer["occupants"]] == ["referred", "referred"]
    assert [o["phone_masked"] for o in answer["occupants"]] == ["138****0001", "138****0002"]
    assert Passage.objects.get(pk=answer["id"]).occupants.count() == 2


@pytest.mark.django_db
def test_risk_areas_and_the_fever_threshold_follow_a_change_at_once(tree, clock):
    clock.set(local(dt.date(2020, 2, 1), 9))
    staff = staff_in(tree["qianjin"])
    checkpoint = make_checkpoint(tree["qianjin"])
    api = APIClient(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=staff)[1]}")
    assert _api_post(api, checkpoint, "湘E20000", "广东深圳")[1]["via_risk_area"] is False
    RiskAreaFactory(name="深圳市", level="city", code="440300000000")  # post_save: copy emptied
    assert _api_post(api, checkpoint, "湘E20001", "广东深圳")[1]["via_risk_area"] is True
    # A stricter threshold from today: 37.0 is a fever now and cannot be let through.
    policy = ObservationPolicy.objects.in_force_on(dt.date(2020, 2, 1))
    policy.fever_threshold = Decimal("37.0")
    policy.save()
    body = {
        "checkpoint": checkpoint.pk,
        "direction": "out",
        "subject": "person",
        "name": "王五",
        "temperature": "37.0",
        "outcome": Outcome.ALLOWED,
    }
    response = api.post("/api/v1/passages/", body, format="json")
    assert response.status_code == 400, response.content


@pytest.mark.django_db
def test_the_lean_answer_is_the_serializers(tree, clock):
    """The POST answers without the serializer (``core.lean``, issue 19): the same JSON as the
    serializer gives for the passage read back; a body it is not sure of gets the serializer's
    400 (its message, by field)."""
    clock.set(local(dt.date(2020, 2, 1), 9))
    RiskAreaFactory(name="湖北省", level="province", code="420000000000")
    staff = staff_in(tree["qianjin"])
    checkpoint = make_checkpoint(tree["qianjin"])
    api = APIClient(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=staff)[1]}")
    _count, answer = _api_post(api, checkpoint, "湘E30000")
    passage = Passage.objects.select_related("checkpoint").get(pk=answer["id"])
    expected = PassageSerializer(passage, context={"request": None}).data
    assert answer == json.loads(JSONRenderer().render(expected))
    refused = api.post(
        "/api/v1/passages/",
        {"checkpoint": checkpoint.pk, "direction": "sideways", "outcome": "allowed"},
        format="json",
    )
    assert refused.status_code == 400
    assert list(refused.json()) == ["direction"]
