"""The demo's checkpoints, duty and points for 火车站乡: built once, figures from the records."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.checkpoints.models import Checkpoint, Outcome, Passage
from fangkong.monitoring.tests.factories import local
from fangkong.registry import demo
from fangkong.reports.figures import compute
from fangkong.workforce.demo import build_workforce
from fangkong.workforce.models import PartyBranch, ShiftAssignment, Worker

TODAY = dt.date(2026, 11, 28)


@pytest.mark.django_db
def test_the_demo_township_has_staffed_checkpoints_and_points(clock):
    now = clock.set(local(TODAY, 10))
    areas = demo.build_areas()
    demo.build_users(areas)
    built = build_workforce(areas, now=now)
    assert built["checkpoints"] == 8 and built["points"] > 0
    assert build_workforce(areas, now=now) == {}  # idempotent
    township = areas[demo.TOWNSHIP[1]]
    yesterday = TODAY - dt.timedelta(days=1)
    values = compute(township, yesterday)
    assert values["checkpoints_staffed"] == 8
    assert values["passages_people"] > 100 and values["passages_vehicles"] > 10
    assert values["turned_back"] > 0 and values["referred"] == 1
    assert values["people_on_duty"] > 0 and values["points_granted"] > 0
    assert values["shifts_covered"] == 24 and values["shift_gaps"] == 0
    # The demo checkpoint staff is on duty now at 前进村's checkpoint; tonight has a gap.
    staff = Worker.objects.get(user__username="checkpoint_staff")
    assert ShiftAssignment.objects.on_duty_at(now).filter(worker=staff).exists()
    assert compute(township, TODAY)["shift_gaps"] == 1
    assert PartyBranch.objects.filter(temporary=True).count() == 2
    assert Checkpoint.objects.in_area(township).count() == 8
    assert Passage.objects.filter(outcome=Outcome.FEVER_CLINIC).count() == 1
