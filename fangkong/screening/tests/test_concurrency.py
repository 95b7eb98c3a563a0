"""Visits of one household recorded at the same moment (two grid workers, a retry): each is kept,
and exactly one counts, the latest by date. Real parallel writers, each thread with its own
connection, on PostgreSQL (the household's row lock); SQLite serialises writers and is skipped
here, with the reason (the sequential rule is tested everywhere in test_services.py)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from fangkong.screening.models import HouseholdVisit
from fangkong.screening.tests.factories import record_visit

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _parallel(n: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in ``n`` threads released at the same moment; results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[i] = error
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def test_visits_of_one_household_at_once_leave_one_latest(users, homes, township_round):
    assert connection.vendor == "postgresql"
    household = homes["qianjin_g1"][0]
    workers = [users["grid_worker"], users["cadre"]]
    days = [township_round.started_on + dt.timedelta(days=i % 4) for i in range(8)]

    def visit(i: int) -> int:
        return record_visit(township_round, household, by=workers[i % 2], visited_on=days[i]).pk

    results = _parallel(8, visit)
    assert all(isinstance(r, int) for r in results), results
    visits = HouseholdVisit.objects.filter(round=township_round, household=household)
    assert visits.count() == 8
    latest = visits.filter(is_latest=True)
    assert latest.count() == 1
    assert latest.get().visited_on == max(days)
