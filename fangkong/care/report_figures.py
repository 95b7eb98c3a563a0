"""Care's figures in the daily report: errands done (today, to date), money advanced, errands
open, care visits done today and visits overdue. Each group is one shared aggregate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.care.figures import (
    CareFigures,
    ErrandFigures,
    care_figures,
    care_figures_of,
    errand_figures,
    errand_figures_of,
    errand_filters,
    overdue_visits,
)
from fangkong.care.models import CarePlan, CareVisit, Errand
from fangkong.reports.figures import (
    PEOPLE,
    TIMES,
    Areas,
    Figure,
    FigureContext,
    Records,
    Window,
    register,
    shared_below,
    sum_of,
)

ERRANDS = _("Errands (红色代办)")
CARE = _("Care for vulnerable residents")
YUAN = _("yuan")


def _errands(ctx: FigureContext) -> ErrandFigures:
    return ctx.shared("errands", lambda area, day: errand_figures(area, day, ctx.window))


def _care(ctx: FigureContext) -> CareFigures:
    return ctx.shared("care", lambda area, day: care_figures(area, day, ctx.window))


def _errand_list(status: str) -> Callable[[FigureContext], str]:
    return lambda ctx: reverse("care:errand_list") + f"?status={status}"


def _plans(ctx: FigureContext) -> str:
    return reverse("care:plan_list")


_HOUSEHOLD = "household__area__name"


def _done(*, today: bool):  # type: ignore[no-untyped-def]
    def rows(ctx: FigureContext) -> QuerySet:
        done = errand_filters(ctx.window)["today" if today else "done"]
        return Errand.objects.in_area(ctx.area).filter(done)

    return rows


def _waiting(ctx: FigureContext) -> QuerySet:
    return Errand.objects.in_area(ctx.area).filter(errand_filters(ctx.window)["open"])


def _visits(ctx: FigureContext) -> QuerySet:
    return CareVisit.objects.in_area(ctx.area).filter(ctx.during(day="date", at="at"))


def _overdue(ctx: FigureContext) -> QuerySet:
    late = [o.plan.pk for o in overdue_visits(ctx.area, ctx.day)]
    return CarePlan.objects.filter(county_id=ctx.area.county_id, pk__in=late)


for _figure in [
    Figure(
        "errands_done_today",
        _("Errands done today"),
        TIMES,
        lambda c: _errands(c).done_today,
        records=Records(_done(today=True), _HOUSEHOLD, page=_errand_list("done")),
    ),
    Figure(
        "errands_done_total",
        _("Errands done in total"),
        TIMES,
        lambda c: _errands(c).done_total,
        records=Records(_done(today=False), _HOUSEHOLD, page=_errand_list("done")),
    ),
    Figure(
        "errands_money_total",
        _("Money advanced for errands in total"),
        YUAN,
        lambda c: float(_errands(c).money_total),
        records=Records(
            _done(today=False),
            _HOUSEHOLD,
            total=sum_of("money_spent"),
            page=lambda c: reverse("care:errand_totals"),
        ),
    ),
    Figure(
        "errands_open",
        _("Errands waiting"),
        TIMES,
        lambda c: _errands(c).open_now,
        records=Records(_waiting, _HOUSEHOLD, page=_errand_list("open")),
    ),
]:
    register(replace(_figure, section=ERRANDS))

for _figure in [
    Figure(
        "care_visits_today",
        _("Care visits done today"),
        TIMES,
        lambda c: _care(c).visits_today,
        records=Records(_visits, "plan__resident__household__area__name", page=_plans),
    ),
    Figure(
        "care_visits_overdue",
        _("Care visits overdue"),
        PEOPLE,
        lambda c: _care(c).overdue,
        records=Records(_overdue, "resident__household__area__name", page=_plans),
    ),
]:
    register(replace(_figure, section=CARE))


# The same computations for a roll-up's area and every area below it at once (one grouped
# query each: ``figures.compute_below``).


@shared_below("errands")
def _errands_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    return dict(errand_figures_of(areas, day, window))


@shared_below("care")
def _care_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    return dict(care_figures_of(areas, day, window))
