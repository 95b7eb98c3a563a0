from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from fangkong.monitoring import services
from fangkong.monitoring.models import Category, Mode, ObservationCase
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def resident_in(area, **kwargs):
    return ResidentFactory(household=HouseholdFactory(area=area), **kwargs)


def open_case(
    *,
    by,
    area=None,
    resident=None,
    start: dt.date,
    category: str = Category.RETURNEE,
    mode: str = Mode.HOME,
    **kwargs,
) -> ObservationCase:
    resident = resident or resident_in(area)
    if mode == Mode.CENTRALISED:
        kwargs.setdefault("site_name", "火车站乡集中隔离点")
    return services.case_open(
        by=by, resident=resident, category=category, mode=mode, start_date=start, **kwargs
    )


class Clock:
    """Moves ``django.utils.timezone.now`` (what the services and views read)."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.now: dt.datetime | None = None

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        self.monkeypatch.setattr("django.utils.timezone.now", lambda: moment.astimezone(dt.UTC))
        return moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)
