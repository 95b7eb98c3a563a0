"""Shared fixtures: a small county with two villages, users of every role, households."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Area
from fangkong.areas.tests.factories import build_tree

# Hypothesis profiles. At a desk (`make test`) each run explores new random examples: that is
# how it finds faults. CI (`.ci/run` sets HYPOTHESIS_PROFILE=ci) loads Hypothesis's own ``ci``
# profile: each property (and the schemathesis API fuzz) runs on the same examples every time,
# so a CI run's result depends on the code, not on the draw. A fault found at a desk is fixed
# and kept as an explicit ``@example``.
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.postgresql``: what only a real PostgreSQL can show (row locks, parallel
    writers); skipped on SQLite, which serialises every writer (``BEGIN IMMEDIATE``) instead."""
    if item.get_closest_marker("postgresql") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL: the test database is {connection.vendor}, which serialises "
            "writers and has no row locks (CI runs the suite on PostgreSQL 15 too; "
            "see .ci/run or bench/pgcluster.py)"
        )


# ``steady_clock`` (a plain office hour, ticking) is a fixture of the clock plugin,
# fangkong/core/tests/clockplugin.py, shared with the browser tests.


@pytest.fixture
def tree(db) -> dict[str, Area]:
    """county 双清区 → 火车站乡 → 前进村 (grids 01, 02) and 白云村 (grid 01)."""
    return build_tree()


@pytest.fixture
def users(tree):
    return {
        "county_admin": UserFactory(
            username="county_admin", role=Role.COUNTY_ADMIN, area=tree["county"]
        ),
        "township": UserFactory(
            username="township", role=Role.TOWNSHIP_OFFICER, area=tree["township"]
        ),
        "cadre": UserFactory(username="cadre", role=Role.VILLAGE_CADRE, area=tree["qianjin"]),
        "grid_worker": UserFactory(
            username="grid_worker", role=Role.GRID_WORKER, area=tree["qianjin_g1"]
        ),
        "doctor": UserFactory(username="doctor", role=Role.DOCTOR, area=tree["qianjin"]),
        "viewer": UserFactory(username="viewer", role=Role.VIEWER, area=tree["county"]),
        "stranger": UserFactory(username="stranger", role=Role.VILLAGE_CADRE, area=tree["baiyun"]),
    }


@pytest.fixture(autouse=True)
def _close_the_worker_board():
    """The task worker's board (``core.board``) holds a connection of its own: closed after each
    test, so PostgreSQL can drop the test database at the end."""
    yield
    from fangkong.core import board

    board.close()


@pytest.fixture(autouse=True)
def _empty_process_caches():
    """Per-process caches (``accounts.caching``) start empty in every test: a rolled-back test
    sends no signal, and the next test reuses the same ids."""
    from fangkong.accounts.caching import clear_all

    clear_all(seconds=3600)
    yield
    clear_all()
