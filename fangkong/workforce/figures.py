"""The duty and points figures of the daily report for (area, date): three queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from fangkong.areas.models import Area
from fangkong.reports.figures import Areas, calendar_day, happened_in
from fangkong.workforce.models import ADJUSTMENT, PointEntry, Shift, ShiftAssignment


@dataclass(frozen=True)
class DutyFigures:
    shifts: int = 0
    covered: int = 0
    gaps: int = 0
    on_duty: int = 0
    checkpoints_staffed: int = 0
    points: int = 0


def duty_figures(
    area: Area, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> DutyFigures:
    """Shifts of the day at the area's posts: covered (as many people assigned as needed) or a
    gap (fewer); people on duty (clocked in on a shift of the day); checkpoints staffed (someone
    clocked in there that day); red points earned that day by people of the area (adjustments
    are not work and are left out): on the calendar day, or in ``window`` (the daily report's
    16:00-to-16:00 day) by when they were granted."""
    return duty_figures_of(Areas(area), day, window)[area.pk]


def duty_figures_of(
    areas: Areas, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> dict[int, DutyFigures]:
    """``duty_figures`` of each of ``areas`` in the same queries (grouped by area)."""
    shifts_of = areas.split(
        (area_id, (need, have))
        for area_id, need, have in Shift.objects.in_area(areas.area)
        .filter(day=day)
        .annotate(assigned=Count("assignments"))
        .values_list("post__area_id", "min_staff", "assigned")
    )
    duty_of = areas.aggregate(
        ShiftAssignment.objects.in_area(areas.area).filter(
            shift__day=day, clock_in_at__isnull=False
        ),
        "shift__post__area",
        on_duty=Count("worker", distinct=True),
        checkpoints=Count(
            "shift__post__checkpoint",
            distinct=True,
            filter=Q(shift__post__checkpoint__isnull=False),
        ),
    )
    points_of = areas.aggregate(
        PointEntry.objects.in_area(areas.area)
        .filter(happened_in(window or calendar_day(day), day="day", at="created_at"))
        .exclude(kind=ADJUSTMENT),
        "area",
        total=Sum("points"),
    )
    result = {}
    for key in areas.keys:
        shifts, duty = shifts_of[key], duty_of[key]
        covered = sum(1 for need, have in shifts if have >= need)
        result[key] = DutyFigures(
            shifts=len(shifts),
            covered=covered,
            gaps=len(shifts) - covered,
            on_duty=duty["on_duty"] or 0,
            checkpoints_staffed=duty["checkpoints"] or 0,
            points=int(points_of[key]["total"] or 0),
        )
    return result
