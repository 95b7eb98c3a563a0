"""Care's figures in the daily report: errands done (today, to date), money advanced, errands
open, care visits done today and visits overdue. Each group is one shared aggregate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.care.figures import CareFigures, ErrandFigures, care_figures, errand_figures
from fangkong.reports.figures import PEOPLE, TIMES, Figure, FigureContext, register

ERRANDS = _("Errands (红色代办)")
CARE = _("Care for vulnerable residents")
YUAN = _("yuan")


def _errands(ctx: FigureContext) -> ErrandFigures:
    return ctx.shared("errands", errand_figures)


def _care(ctx: FigureContext) -> CareFigures:
    return ctx.shared("care", care_figures)


def _errand_list(status: str) -> Callable[[FigureContext], str]:
    return lambda ctx: reverse("care:errand_list") + f"?status={status}"


def _plans(ctx: FigureContext) -> str:
    return reverse("care:plan_list")


for _figure in [
    Figure(
        "errands_done_today",
        _("Errands done today"),
        TIMES,
        lambda c: _errands(c).done_today,
        link=_errand_list("done"),
    ),
    Figure(
        "errands_done_total",
        _("Errands done in total"),
        TIMES,
        lambda c: _errands(c).done_total,
        link=_errand_list("done"),
    ),
    Figure(
        "errands_money_total",
        _("Money advanced for errands in total"),
        YUAN,
        lambda c: float(_errands(c).money_total),
        link=lambda c: reverse("care:errand_totals"),
    ),
    Figure(
        "errands_open",
        _("Errands waiting"),
        TIMES,
        lambda c: _errands(c).open_now,
        link=_errand_list("open"),
    ),
]:
    register(replace(_figure, section=ERRANDS))

for _figure in [
    Figure(
        "care_visits_today",
        _("Care visits done today"),
        TIMES,
        lambda c: _care(c).visits_today,
        link=_plans,
    ),
    Figure(
        "care_visits_overdue",
        _("Care visits overdue"),
        PEOPLE,
        lambda c: _care(c).overdue,
        link=_plans,
    ),
]:
    register(replace(_figure, section=CARE))
