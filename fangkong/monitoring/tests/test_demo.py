"""The demo of seed 002: 49 people monitored, 29 released, 15 at home, 5 centralised — computed
from the records by the same figure functions the daily report uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.monitoring import figures
from fangkong.monitoring.demo import build_monitoring
from fangkong.monitoring.models import Alert, CheckIn, ObservationCase
from fangkong.monitoring.tests.factories import local
from fangkong.registry import demo
from fangkong.registry.models import Household, Resident

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


@pytest.fixture
def areas(demo_db, db):
    return demo_db


def test_the_figures_of_seed_002_come_from_the_records(areas):
    now = local(TODAY, 15)  # the morning slot has closed, the afternoon one is open
    result = build_monitoring(areas, now=now)
    township = areas[demo.TOWNSHIP[1]]
    f = figures.monitoring_figures(township, TODAY, now=now)
    assert (f.monitored_total, f.released_total, f.at_home, f.centralised) == (49, 29, 15, 5)
    assert f.monitored_now == 20
    assert f.checkins_due == 40 and f.checkins_done == 20  # morning in, afternoon due
    assert f.fever_alerts == 1 and f.missed_checkins == 0
    # The single functions agree with the aggregate.
    assert figures.monitored_total(township, TODAY) == 49
    assert figures.released_total(township, TODAY) == 29
    assert figures.at_home(township, TODAY) == 15
    assert figures.centralised(township, TODAY) == 5
    assert figures.checkins_done(township, TODAY) == 20
    # Twice a day for every closed slot so far, nothing missed, one open fever alert.
    assert result["cases"] == 49
    assert Alert.objects.open().count() == 1
    for case in ObservationCase.objects.filter(status="active"):
        days = (TODAY - case.start_date).days
        assert case.checkins.count() == days * 2 + 1
    released = ObservationCase.objects.filter(status="released").first()
    assert released.checkins.count() == released.period_days * 2
    # People from several villages of the township.
    villages = {
        c.resident.household.area.parent_id
        for c in ObservationCase.objects.select_related("resident__household__area")
    }
    assert len(villages) >= 5


def test_the_demo_is_idempotent_and_dated_from_the_day_it_runs(areas):
    build_monitoring(areas, now=local(TODAY, 15))
    first = sorted(ObservationCase.objects.values_list("resident_id", "status", "start_date"))
    checkins = CheckIn.objects.count()
    build_monitoring(areas, now=local(TODAY, 15))
    assert (
        sorted(ObservationCase.objects.values_list("resident_id", "status", "start_date")) == first
    )
    assert CheckIn.objects.count() == checkins
    later = TODAY + dt.timedelta(days=30)
    build_monitoring(areas, now=local(later, 15))
    f = figures.monitoring_figures(areas[demo.TOWNSHIP[1]], later)
    assert (f.monitored_total, f.released_total, f.at_home, f.centralised) == (49, 29, 15, 5)


def test_the_demo_grid_worker_has_work_today(client, areas, clock):
    clock.set(local(TODAY, 15))
    build_monitoring(areas, now=local(TODAY, 15))
    client.force_login(User.objects.get(username="grid_worker"))
    response = client.get(reverse("monitoring:today"))
    assert response.status_code == 200
    assert len(response.context["due"]) == 3  # grid 1's three people under observation
    assert len(response.context["alerts"]) == 1
