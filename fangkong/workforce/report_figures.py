"""The duty and points figures in the report registry (imported by ``WorkforceConfig.ready``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.models import Checkpoint
from fangkong.reports.figures import (
    PEOPLE,
    Areas,
    Figure,
    FigureContext,
    Records,
    Window,
    register,
    shared_below,
    sum_of,
)
from fangkong.workforce.figures import DutyFigures, duty_figures, duty_figures_of
from fangkong.workforce.models import ADJUSTMENT, PointEntry, Shift, ShiftAssignment, Worker

SECTION = _("Duty and red points")


def _shared(ctx: FigureContext) -> DutyFigures:
    return ctx.shared("duty", lambda area, day: duty_figures(area, day, ctx.window))


def _roster(ctx: FigureContext) -> str:
    return reverse("workforce:roster") + f"?day={ctx.day.isoformat()}"


def _points(ctx: FigureContext) -> str:
    return reverse("workforce:points")


def _on_duty(ctx: FigureContext) -> QuerySet:
    return ShiftAssignment.objects.in_area(ctx.area).filter(
        shift__day=ctx.day, clock_in_at__isnull=False
    )


def _staffed(ctx: FigureContext) -> QuerySet:
    posts = _on_duty(ctx).filter(shift__post__checkpoint__isnull=False)
    return Checkpoint.objects.filter(pk__in=posts.values("shift__post__checkpoint"))


def _shifts(covered: bool):  # type: ignore[no-untyped-def]
    def rows(ctx: FigureContext) -> QuerySet:
        shifts = Shift.objects.in_area(ctx.area).filter(day=ctx.day)
        shifts = shifts.annotate(assigned=Count("assignments"))
        enough = {"assigned__gte" if covered else "assigned__lt": F("min_staff")}
        return shifts.filter(**enough)

    return rows


def _workers(ctx: FigureContext) -> QuerySet:
    return Worker.objects.filter(pk__in=_on_duty(ctx).values("worker"))


def _points_rows(ctx: FigureContext) -> QuerySet:
    return (
        PointEntry.objects.in_area(ctx.area)
        .filter(ctx.during(day="day", at="created_at"))
        .exclude(kind=ADJUSTMENT)
    )


for _figure in [
    Figure(
        "checkpoints_staffed",
        _("Checkpoints staffed"),
        _("checkpoints"),
        lambda c: _shared(c).checkpoints_staffed,
        records=Records(_staffed, "area__name", page=_roster),
    ),
    Figure(
        "shifts_covered",
        _("Shifts covered"),
        _("shifts"),
        lambda c: _shared(c).covered,
        records=Records(_shifts(covered=True), "post__area__name", page=_roster),
    ),
    Figure(
        "shift_gaps",
        _("Shifts with too few people"),
        _("shifts"),
        lambda c: _shared(c).gaps,
        records=Records(_shifts(covered=False), "post__area__name", page=_roster),
    ),
    Figure(
        "people_on_duty",
        _("People on duty"),
        PEOPLE,
        lambda c: _shared(c).on_duty,
        records=Records(_workers, "area__name", page=_roster),
    ),
    Figure(
        "points_granted",
        _("Red points granted"),
        _("points"),
        lambda c: _shared(c).points,
        records=Records(_points_rows, "area__name", total=sum_of("points"), page=_points),
    ),
]:
    register(replace(_figure, section=SECTION))


# The same computations for a roll-up's area and every area below it at once (one grouped
# query each: ``figures.compute_below``).


@shared_below("duty")
def _duty_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    return dict(duty_figures_of(areas, day, window))
