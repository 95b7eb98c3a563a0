"""Every area's own records count: a township's (county's) own row — 乡镇本级, 县本级 — holds the
records kept at its own level, so that the rows of the sheet add up to the whole area."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.checkpoints.services import passage_register
from fangkong.checkpoints.tests.factories import make_checkpoint, person, staff_in, vehicle
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.reports import figures, rollup, services

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def records_at_every_level(tree, users, clock):
    """Passages at a checkpoint of each level (village, township, county), a case in a village."""
    clock.set(local(DAY, 15))
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY - dt.timedelta(days=1))
    for n, key in enumerate(("qianjin", "township", "county")):
        checkpoint = make_checkpoint(tree[key], name=f"卡口{n}")
        staff = staff_in(tree[key], username=f"staff{n}")
        for _ in range(n + 1):
            passage_register(
                by=staff,
                checkpoint=checkpoint,
                details=person(),
                outcome="allowed",
                at=local(DAY, 9),
            )
        passage_register(
            by=staff,
            checkpoint=checkpoint,
            details=vehicle(people=3),
            outcome="turned_back",
            at=local(DAY, 10),
        )
    return tree


def _submit_all(tree, users):
    # After the 16:00 cut-off: the reports then cover the whole report day as the live figures
    # do (a report before the cut-off leaves the rest of the day to the next report).
    for village in ("qianjin", "baiyun"):
        services.report_submit(
            by=users["township"], area=tree[village], day=DAY, at=local(DAY, 16, 30)
        )


def test_the_township_sheet_has_its_own_row_and_adds_up(records_at_every_level, users):
    tree = records_at_every_level
    _submit_all(tree, users)
    result = rollup.rollup(tree["township"], DAY)
    own = result.own
    assert own is not None and own.area == tree["township"] and own.source == "live"
    # The township's own checkpoint: 2 let through on foot, a car of 3 turned back.
    assert own.figures["passages_people"] == 2 and own.figures["turned_back"] == 3
    assert own.figures["monitored_now"] == 0
    for f, reported, live in result.comparison():
        assert reported == live, f.key


def test_for_every_registered_figure_the_total_is_the_live_figure(records_at_every_level, users):
    tree = records_at_every_level
    _submit_all(tree, users)
    form = figures.VILLAGE_DAILY
    for key in ("township",):
        result = rollup.rollup(tree[key], DAY)
        live = figures.compute(tree[key], DAY, form)
        assert set(result.reported) == set(form.figure_keys) == set(figures.FIGURES)
        for figure in form.figures:
            rows = [row.figures for row in result.rows]
            assert result.reported[figure.key] == live[figure.key], (key, figure.key)
            if figure.ratio_of is None:
                total = sum(r.get(figure.key) or 0 for r in rows)
                assert round(total, 2) == live[figure.key], (key, figure.key)
