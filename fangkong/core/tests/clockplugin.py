"""Run the tests as if the wall clock read a chosen instant.

``pytest --clock-at 2026-11-30T15:59:58+00:00`` (or ``FANGKONG_TEST_CLOCK_AT=...``): every
test starts at that instant and the clock runs on from there (time-machine, ``tick=True``), so
a test that takes ``timezone.now()`` and works out "today" apart, or builds an expectation
from the clock, meets the boundary it would meet in CI one day. The instants that matter are
fangkong's day boundaries: Shanghai midnight (16:00 UTC, when the UTC and local dates differ
until 24:00 UTC), the report day's 16:00 local cut-off (08:00 UTC), check-in slots and report
deadlines, month and year ends. ``make test-clock`` runs the time-bound apps at two of them.

Not followed: a subprocess (``python -m fangkong ...`` in a test) and the database's own clock
(PostgreSQL ``now()``; fangkong takes its times from Python, ``timezone.now()``).
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

_AT = pytest.StashKey[dt.datetime]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-at",
        default=os.environ.get("FANGKONG_TEST_CLOCK_AT") or None,
        metavar="ISO-INSTANT",
        help="start every test with the wall clock at this aware instant, ticking on "
        "(e.g. 2026-11-30T15:59:58+00:00); default: $FANGKONG_TEST_CLOCK_AT, else the real clock",
    )


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("clock_at", None)
    if not value:
        return
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise pytest.UsageError(f"--clock-at {value!r}: {error}") from None
    if at.tzinfo is None:
        raise pytest.UsageError(f"--clock-at {value!r}: give the offset (e.g. +00:00)")
    config.stash[_AT] = at


def pytest_report_header(config: pytest.Config) -> str | None:
    at = config.stash.get(_AT, None)
    if at is None:
        return None
    return f"clock: every test starts at {at.isoformat()} (ticking)"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    at = item.config.stash.get(_AT, None)
    if at is None:
        return (yield)
    import time_machine

    # Setup, call and teardown of each test: its fixtures' "now" is the same instant.
    with time_machine.travel(at, tick=True):
        return (yield)


# A plain office hour: Tuesday 10 March 2026, 10:00 in Shanghai (02:00 UTC). Far from local and
# UTC midnight, the report day's 16:00 cut-off, the check-in windows' edges, the report deadlines,
# a month's or a year's end.
STEADY_INSTANT = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def steady_clock():
    """For a test that is not about time but builds "today's" records and then reads "today's"
    pages (the URL walks): the clock starts at ``STEADY_INSTANT`` and runs on, so the test
    cannot straddle midnight or the 16:00 cut-off, whatever the hour CI runs it at. Tests about
    time set their own moment (``clock.set``, ``time_machine.travel``)."""
    import time_machine

    with time_machine.travel(STEADY_INSTANT, tick=True) as traveller:
        yield traveller
