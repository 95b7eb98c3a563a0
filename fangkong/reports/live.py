"""Live figures of an area and each area one level below it, from the records (not the reports).

The command dashboard drills down county → township → village → grid; below a village there are
no reports, so each row is computed from the records. Every count is one query grouped by the
records' own area (households, with the first day each was screened, and the household's area
kept on each case) and summed up to the child areas by path prefix in Python: a fixed number of
queries (6) whatever the number of children or records, none joining the residents, the
households or the visits.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Count, Model, Q, QuerySet
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.monitoring.figures import known_by, released_by
from fangkong.monitoring.models import (
    OBSERVED_STATES,
    Alert,
    Mode,
    ObservationCase,
    under_observation_on,
)
from fangkong.registry.models import Household
from fangkong.reports.figures import (
    FIGURES,
    Figure,
    Number,
    ReportForm,
    compute_below,
    own_part,
    report_day,
    with_parts,
)
from fangkong.reports.models import DailyReport

M = TypeVar("M", bound=Model)

COUNTS = (
    "households",
    "screened",
    "monitored_now",
    "at_home",
    "centralised",
    "new_today",
    "released_total",
    "open_alerts",
    "villages",
    "submitted",
    "late",
)


@dataclass
class LiveRow:
    area: Area
    counts: Counter[str] = field(default_factory=Counter)

    def __getattr__(self, name: str) -> int:
        if name in COUNTS:
            return self.counts[name]
        raise AttributeError(name)

    @property
    def coverage(self) -> float:
        households = self.counts["households"]
        return round(100 * self.counts["screened"] / households, 1) if households else 0.0

    @property
    def completeness(self) -> float | None:
        villages = self.counts["villages"]
        return round(100 * self.counts["submitted"] / villages, 1) if villages else None

    @property
    def drills(self) -> bool:
        """A row the dashboard links down into (an area with areas below it)."""
        return bool(getattr(self.area, "children_count", 0))


@dataclass
class LiveTable:
    total: LiveRow
    rows: list[LiveRow]
    # The report day counted, [cut-off the day before, cut-off of the day), and the moment the
    # counts stand at: now, or the report day's end once it is over (what is recorded after
    # the cut-off counts in the next report day's figures).
    window: tuple[dt.datetime, dt.datetime] | None = None
    counted_at: dt.datetime | None = None
    day: dt.date | None = None

    @property
    def next_day(self) -> dt.date | None:
        return self.day + dt.timedelta(days=1) if self.day is not None else None

    @property
    def closed(self) -> bool:
        """The report day is over: later records are in the next day's figures."""
        return self.window is not None and self.counted_at == self.window[1]


def _child_path(area: Area, path: str) -> str:
    """The path of the child of ``area`` that ``path`` (a descendant's path) lies under."""
    rest = path[len(area.path) :]
    return path if not rest else area.path + rest[: rest.index("/") + 1]


def live_table(area: Area, day: dt.date) -> LiveTable:
    children = list(
        Area.objects.filter(parent=area).annotate(children_count=Count("children")).order_by("path")
    )
    total = LiveRow(area)
    by_path = {child.path: LiveRow(child) for child in children}
    # Every area of the subtree by id: the counts are grouped by the records' own area id (no
    # join up to the area table) and summed up to the child they lie under.
    subtree = list(
        Area.objects.subtree(area).with_expected(day).values_list("pk", "path", "expected")  # type: ignore[misc]
    )
    row_of = {pk: by_path.get(_child_path(area, path)) for pk, path, _expected in subtree}

    def placed(rows: QuerySet[M], field: str = "area_id") -> QuerySet[M]:
        """``rows`` of the area's subtree by their area's id, grouped by it (no join up to the
        area table): ``area_id IN (SELECT id … path LIKE 'prefix%')``, which PostgreSQL runs as
        one (county, area) index probe per area of the subtree. Not the ids read above as a
        list: a township's 181 ids made each statement 181 parameters that Django and psycopg
        quoted, parsed and could not cache (~3 ms a statement), for the same plan."""
        rows = rows.filter(county_id=area.county_id)
        if area.pk == area.county_id:
            return rows
        return rows.filter(**{f"{field}__in": Area.objects.subtree(area).values("pk")})

    def add(area_id: int, key: str, n: int) -> None:
        total.counts[key] += n
        row = row_of.get(area_id)
        if row is not None:
            row.counts[key] += n

    # Households and those screened (someone found at home or on the phone by a visit of the
    # county's screening by that day: ``Household.screened_on``, kept by the visits) in one pass
    # over the households' (county, area, screened_on) index.
    for where, n, screened in (
        placed(Household.objects.all())
        .order_by()
        .values("area_id")
        # COUNT(*) and screened_on alone: the (county, area, screened_on) index covers it.
        .annotate(n=Count("*"), screened=Count("screened_on", filter=Q(screened_on__lte=day)))
        .values_list("area_id", "n", "screened")
    ):
        add(where, "households", n)
        add(where, "screened", screened)
    start, end = report_day(area, day)  # "new today": since the cut-off the day before
    # "Under observation on the day" as the report day ends: the one rule of the report's
    # figures and of the lists they open, so a case opened on the day after its cut-off (16:00)
    # is in the next day's figures here too, and a card never says more than its records list.
    active = under_observation_on(day) & known_by(end)
    for row in (
        placed(ObservationCase.objects.all())
        .order_by()
        .values("area_id")
        # COUNT(area_id) (never null), not of the id: every column read is in the (county,
        # area, …) index, so PostgreSQL reads the index alone.
        .annotate(
            monitored_now=Count("area", filter=active),
            at_home=Count("area", filter=active & Q(mode=Mode.HOME)),
            centralised=Count("area", filter=active & Q(mode=Mode.CENTRALISED)),
            new_today=Count(
                "area",
                filter=Q(status__in=OBSERVED_STATES, opened_at__gte=start, opened_at__lt=end),
            ),
            released_total=Count("area", filter=released_by(end)),
        )
    ):
        where = int(row["area_id"])
        for key in ("monitored_now", "at_home", "centralised", "new_today", "released_total"):
            add(where, key, int(row[key]))  # type: ignore[literal-required]
    for where, n in (
        placed(Alert.objects.open(), "case__area_id")
        .filter(date__lte=day)
        .order_by()
        .values("case__area_id")
        .annotate(n=Count("pk"))
        .values_list("case__area_id", "n")
    ):
        add(where, "open_alerts", n)
    for pk, _path, expected in subtree:
        if expected:
            add(pk, "villages", 1)
    for village_id, late in (
        DailyReport.objects.in_area(area).filter(date=day).order_by().values_list("area_id", "late")
    ):
        add(village_id, "submitted", 1)
        add(village_id, "late", int(late))
    return LiveTable(
        total=total,
        rows=list(by_path.values()),
        window=(start, end),
        counted_at=min(timezone.now(), end),
        day=day,
    )


# The figures of the daily report that the live table counts by the same rule (a test holds
# them equal): figure key → the table's count.
FIGURE_COUNTS = {
    "households": "households",
    "households_screened": "screened",
    "monitored_now": "monitored_now",
    "at_home": "at_home",
    "centralised": "centralised",
    "new_today": "new_today",
    "released_total": "released_total",
}


def own_figure(
    table: LiveTable, figure: Figure, day: dt.date, below: list[Area]
) -> dict[str, Number]:
    """``figure`` (and its parts, for a percentage) for the table's area's own row (乡镇本级,
    县本级): over the whole area less the areas ``below`` it, as ``figures.own_part`` computes
    it. The figures the table counts come from it with no query; any other from the records,
    once over the area and once per area below."""
    keys = with_parts([figure.key])
    rows = {row.area.pk: row for row in table.rows}
    whole: dict[str, Number] = {}
    parts: list[dict[str, Number]] = [{} for _child in below]
    from_records = []
    for key in keys:
        if FIGURES[key].ratio_of is not None:
            continue  # recomputed from its parts by ``own_part``
        count = FIGURE_COUNTS.get(key)
        if count is not None and all(child.pk in rows for child in below):
            whole[key] = table.total.counts[count]
            for part, child in zip(parts, below, strict=True):
                part[key] = rows[child.pk].counts[count]
        else:
            from_records.append(key)
    if from_records:  # the area's and every area's below from the same grouped queries
        values, by_child = compute_below(
            table.total.area, below, day, ReportForm("own", figure.label, from_records)
        )
        for key in from_records:
            whole[key] = values[key]
            for part, child in zip(parts, below, strict=True):
                part[key] = by_child[child.pk][key]
    form = ReportForm("own", figure.label, keys)
    return own_part(whole, parts, form)
