"""Registering a passage is one request with a constant number of queries, whatever the number
of passages, passes, residents and risk areas around it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.checkpoints import services
from fangkong.checkpoints.models import Outcome
from fangkong.checkpoints.tests.factories import make_checkpoint, person, staff_in
from fangkong.monitoring.tests.factories import resident_in
from fangkong.screening.tests.factories import RiskAreaFactory

# session + user, checkpoint, policy (fever), risk areas, resident by ID, savepoint pair,
# insert, audit row, the checkpoint locked and the repeat check ... counted once and asserted to
# stay the same.
MAX_QUERIES = 14


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
    assert _post(client, checkpoint, id_number=other.id_number, plate="湘E54321") == first
