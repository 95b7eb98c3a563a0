"""Red points tables: per person, per party branch and per area, for a period. Each is one query
(plus one for the names), whatever the number of entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from fangkong.areas.models import Area
from fangkong.workforce.models import PartyBranch, PointEntry


@dataclass(frozen=True)
class Row:
    key: int | str
    name: str
    points: int
    entries: int
    detail: str = ""


def _entries(area: Area, start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    return PointEntry.objects.in_area(area).filter(day__gte=start, day__lte=end)


def by_person(area: Area, start: dt.date, end: dt.date, *, limit: int = 200) -> list[Row]:
    """Worker records first; points kept on a login without a worker record show its name."""
    rows = (
        _entries(area, start, end)
        .values("worker_id", "worker__name", "user_id", "user__username", "area__name")
        .annotate(points=Sum("points"), entries=Count("pk"))
        .order_by("-points", "worker__name")[:limit]
    )
    return [
        Row(
            key=r["worker_id"] or f"u{r['user_id']}",
            name=r["worker__name"] or r["user__username"],
            points=r["points"] or 0,
            entries=r["entries"],
            detail=r["area__name"],
        )
        for r in rows
    ]


def by_branch(area: Area, start: dt.date, end: dt.date) -> list[Row]:
    """A member's points count in every branch they belong to (a regular and a temporary one)."""
    rows = (
        PartyBranch.objects.in_area(area)
        .annotate(
            points=Sum(
                "members__points__points",
                filter=Q(members__points__day__gte=start, members__points__day__lte=end),
            ),
            entries=Count(
                "members__points",
                filter=Q(members__points__day__gte=start, members__points__day__lte=end),
            ),
        )
        .values("pk", "name", "temporary", "points", "entries")
        .order_by("-points", "name")
    )
    return [
        Row(
            key=r["pk"],
            name=r["name"],
            points=r["points"] or 0,
            entries=r["entries"],
            detail="temporary" if r["temporary"] else "",
        )
        for r in rows
    ]


def by_area(area: Area, start: dt.date, end: dt.date) -> list[Row]:
    """The areas one level below ``area`` (the area itself when it has none)."""
    children = list(Area.objects.children_of(area).order_by("path"))
    totals = (
        _entries(area, start, end)
        .values("area__path")
        .annotate(points=Sum("points"), entries=Count("pk"))
        .order_by()
    )
    targets = children or [area]
    sums = {a.pk: [0, 0] for a in targets}
    for row in totals:
        for target in targets:
            if row["area__path"].startswith(target.path):
                sums[target.pk][0] += row["points"] or 0
                sums[target.pk][1] += row["entries"]
                break
    return [
        Row(key=a.pk, name=a.name, points=sums[a.pk][0], entries=sums[a.pk][1]) for a in targets
    ]
