"""Visits of one household recorded at the same moment (two grid workers, a retry): each is kept,
and exactly one counts, the latest by date. Real parallel writers, each thread with its own
connection, on PostgreSQL (the household's row lock); SQLite serialises writers and is skipped
here, with the reason (the sequential rule is tested everywhere in test_services.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from fangkong.core.tests.concurrency import parallel
from fangkong.screening.models import HouseholdVisit
from fangkong.screening.tests.factories import record_visit

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_visits_of_one_household_at_once_leave_one_latest(users, homes, township_round):
    assert connection.vendor == "postgresql"
    household = homes["qianjin_g1"][0]
    workers = [users["grid_worker"], users["cadre"]]
    days = [township_round.started_on + dt.timedelta(days=i % 4) for i in range(8)]

    def visit(i: int) -> int:
        return record_visit(township_round, household, by=workers[i % 2], visited_on=days[i]).pk

    results = parallel(8, visit)
    assert all(isinstance(r, int) for r in results), results
    visits = HouseholdVisit.objects.filter(round=township_round, household=household)
    assert visits.count() == 8
    latest = visits.filter(is_latest=True)
    assert latest.count() == 1
    assert latest.get().visited_on == max(days)
