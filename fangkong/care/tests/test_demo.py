"""The care demo on top of the register and the monitoring demo: errands of the households at
home under observation (two waiting for the grid worker), masks and thermometers handed out to
them, a weekly doctor's visit two days overdue, listed by name."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.care import figures
from fangkong.care.demo import build_care
from fangkong.care.models import Errand
from fangkong.monitoring.demo import build_monitoring
from fangkong.monitoring.tests.factories import local
from fangkong.registry import demo
from fangkong.registry.models import Household, Resident
from fangkong.supplies.demo import build_supplies
from fangkong.supplies.models import LedgerEntry, StockBalance

TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        areas = demo.build_areas()
        demo.build_users(areas)
        demo.build_register(areas)
        yield areas
        # Built outside the tests' transactions: leave the database as the other modules expect.
        Resident.objects.all().delete()
        Household.objects.all().delete()
        User.objects.filter(username__in=[u.username for u in demo.DEMO_USERS]).delete()
        Area.objects.update(county=None)
        for area in Area.objects.order_by("-depth"):
            area.delete()


def test_the_care_demo(demo_db, db, clock):
    areas = demo_db
    now = clock.set(local(TODAY, 15))
    assert build_care(areas, now=now) == {}  # no cases, no stores yet: nothing to do
    build_monitoring(areas, now=now)
    build_supplies(areas, now=now)
    added = build_care(areas, now=now)
    assert added["waiting"] == 2 and added["plans"] == 2 and added["errands"] > 30
    township = areas[demo.TOWNSHIP[1]]
    f = figures.errand_figures(township, TODAY)
    assert f.done_total == added["errands"] - 2 and f.open_now == 2 and f.money_total > 0
    grid_worker = User.objects.get(username="grid_worker")
    waiting = Errand.objects.for_user(grid_worker).open()
    assert waiting.count() == 2
    overdue = figures.overdue_visits(township, TODAY)
    assert [(o.plan.kind, o.days) for o in overdue] == [("doctor_visit", 2)]
    masks = LedgerEntry.objects.filter(household__isnull=False, item__category="mask")
    assert masks.count() == 15  # one hand-out per household at home
    sums = LedgerEntry.objects.sums()
    assert all(b.quantity == sums[(b.store_id, b.item_id)] >= 0 for b in StockBalance.objects.all())
    assert build_care(areas, now=now) == {}
