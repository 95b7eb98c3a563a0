"""The same crossing registered several times at the same moment (a double tap, a retry, two
phones at one barrier) is one passage; other cars at the same checkpoint do not wait for it.
Real parallel writers, each thread with its own connection, on PostgreSQL (the advisory locks of
``services.repeat_locks``); SQLite serialises writers and is skipped here, with the reason (the
sequential repeat rule is tested everywhere in test_occupants.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from fangkong.checkpoints import services
from fangkong.checkpoints.models import Outcome, Passage
from fangkong.checkpoints.services import OccupantDetails
from fangkong.checkpoints.tests.factories import make_checkpoint, person, staff_in, vehicle
from fangkong.core.tests.concurrency import parallel
from fangkong.registry.tests.factories import make_id_number

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _register(staff, checkpoint, details):  # type: ignore[no-untyped-def]
    passage = services.passage_register(
        by=staff, checkpoint=checkpoint, details=details, outcome=Outcome.ALLOWED
    )
    return passage.pk, passage.repeated


def test_one_crossing_sent_at_once_is_one_passage(tree):
    assert connection.vendor == "postgresql"
    staff = staff_in(tree["qianjin"])
    checkpoint = make_checkpoint(tree["qianjin"])
    other = make_checkpoint(tree["qianjin"], name="前进村西口")
    number = make_id_number(birth=dt.date(1980, 5, 5), seq=77)
    rider = make_id_number(birth=dt.date(1981, 6, 6), seq=78)
    cases = [
        # the same car 6 times, at the same checkpoint and direction: one passage
        *[(checkpoint, vehicle(plate="湘E12345")) for _ in range(6)],
        # the same person by ID number, in two different cars: one passage
        *[(checkpoint, person(id_number=number, name=f"人{i}")) for i in range(2)],
        *[
            (checkpoint, vehicle(plate=f"湘E5432{i}", id_number=number, name="司机"))
            for i in range(2)
        ],
        # the same passenger (an occupant's ID number) in two cars: one passage
        *[
            (
                checkpoint,
                vehicle(
                    plate=f"湘E6543{i}",
                    people=1,
                    occupants=[OccupantDetails(name="乘客", phone="13800000001", id_number=rider)],
                ),
            )
            for i in range(2)
        ],
        # the same car going out, and at another checkpoint: other crossings
        (checkpoint, vehicle(plate="湘E12345", direction="out")),
        (other, vehicle(plate="湘E12345")),
        # other cars at the same checkpoint: each its own passage
        *[(checkpoint, vehicle(plate=f"湘F1000{i}")) for i in range(4)],
    ]
    results = parallel(len(cases), lambda i: _register(staff, cases[i][0], cases[i][1]))
    assert all(isinstance(r, tuple) for r in results), results
    written = {pk for pk, repeated in results if not repeated}  # type: ignore[misc]
    # every answer names a passage that exists, and only first registrations wrote one
    assert {pk for pk, _ in results} == written  # type: ignore[misc]
    assert Passage.objects.count() == len(written) == 1 + 1 + 1 + 2 + 4
    assert (
        Passage.objects.filter(plate="湘E12345", direction="in", checkpoint=checkpoint).count() == 1
    )
