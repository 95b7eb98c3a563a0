"""Roll-ups for a township or county on a date: completeness, timeliness, missing villages with
their cadres' phones, the figures summed from the submitted snapshots and the live figures beside
them, and trends over days. A fixed number of queries whatever the number of villages."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from fangkong.accounts.models import Role, User
from fangkong.areas.models import Area, Level
from fangkong.core.clock import local_tz
from fangkong.reports import figures
from fangkong.reports.models import DailyReport, ReportDeadline

Number = figures.Number
ReportForm = figures.ReportForm
STANDARD_FORM = figures.VILLAGE_DAILY


@dataclass
class VillageRow:
    area: Area
    report: DailyReport | None = None
    phones: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.report is None:
            return "missing"
        return "late" if self.report.late else "on_time"


@dataclass
class ChildRow:
    """One row of the table sent upward: a village (for a township) or a township (for a county)."""

    area: Area
    expected: int = 0
    submitted: int = 0
    late: int = 0
    zero: int = 0
    figures: dict[str, Number] = field(default_factory=dict)
    village: VillageRow | None = None  # when the row is a village
    form: ReportForm = field(default_factory=lambda: STANDARD_FORM)

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def ordered(self) -> list[Number | None]:
        """The figures in the form's order (None where nothing was submitted)."""
        return [self.figures.get(f.key) for f in self.form.figures]


@dataclass
class Rollup:
    area: Area
    date: dt.date
    deadline: dt.datetime
    villages: list[VillageRow]
    rows: list[ChildRow]
    reported: dict[str, Number]
    live: dict[str, Number]
    form: ReportForm = field(default_factory=lambda: STANDARD_FORM)
    due: dict[str, dt.time] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        return len(self.villages)

    @property
    def submitted(self) -> int:
        return sum(v.report is not None for v in self.villages)

    @property
    def on_time(self) -> int:
        return sum(v.status == "on_time" for v in self.villages)

    @property
    def late(self) -> list[VillageRow]:
        return [v for v in self.villages if v.status == "late"]

    @property
    def missing(self) -> list[VillageRow]:
        return [v for v in self.villages if v.report is None]

    @property
    def zero(self) -> int:
        return sum(bool(v.report and v.report.is_zero) for v in self.villages)

    @property
    def completeness(self) -> float:
        return round(100 * self.submitted / self.expected, 1) if self.expected else 0.0

    def comparison(self) -> list[tuple[figures.Figure, Number, Number | None]]:
        """(figure, from the reports, from the records now) in the form's order."""
        return [
            (f, self.reported.get(f.key, 0), self.live.get(f.key) if self.live else None)
            for f in self.form.figures
        ]


def _villages(area: Area, day: dt.date) -> list[Area]:
    return list(Area.objects.subtree(area).expected_on(day).order_by("path"))


def rollup(area: Area, day: dt.date, *, live: bool = True) -> Rollup:
    """The roll-up of ``area`` for ``day``: 6 queries, plus the live figures' fixed few."""
    form = figures.form_for(area.county_id)
    villages = _villages(area, day)
    reports = {
        r.area_id: r
        for r in DailyReport.objects.in_area(area)
        .filter(date=day)
        .select_related("submitted_by")
        .order_by()
    }
    rows = [VillageRow(v, reports.get(v.pk)) for v in villages]
    missing_ids = [v.area.pk for v in rows if v.report is None]
    phones: dict[int, list[str]] = defaultdict(list)
    if missing_ids:
        for area_id, phone in (
            User.objects.filter(role=Role.VILLAGE_CADRE, is_active=True, area_id__in=missing_ids)
            .exclude(phone="")
            .order_by("username")
            .values_list("area_id", "phone")
        ):
            phones[area_id].append(phone)
    for row in rows:
        row.phones = phones.get(row.area.pk, [])
    children = _child_rows(area, rows, form)
    reported = figures.combine((r.figures for r in reports.values()), form)
    due = ReportDeadline.objects.due_times(area.county_id)
    return Rollup(
        area=area,
        date=day,
        deadline=dt.datetime.combine(day, due["village"], tzinfo=local_tz()),
        villages=rows,
        rows=children,
        reported=reported,
        live=figures.compute(area, day, form) if live else {},
        form=form,
        due=due,
    )


def _child_rows(area: Area, villages: list[VillageRow], form: figures.ReportForm) -> list[ChildRow]:
    """Per village under a township (or a village itself); per township under a county."""
    if area.level != Level.COUNTY:
        result = []
        for v in villages:
            result.append(
                ChildRow(
                    area=v.area,
                    expected=1,
                    submitted=int(v.report is not None),
                    late=int(v.status == "late"),
                    zero=int(bool(v.report and v.report.is_zero)),
                    figures=dict(v.report.figures) if v.report else {},
                    village=v,
                    form=form,
                )
            )
        return result
    townships = list(Area.objects.filter(parent=area, level=Level.TOWNSHIP).order_by("path"))
    result = []
    for township in townships:
        inside = [v for v in villages if v.area.is_within(township)]
        result.append(
            ChildRow(
                area=township,
                expected=len(inside),
                submitted=sum(v.report is not None for v in inside),
                late=sum(v.status == "late" for v in inside),
                zero=sum(bool(v.report and v.report.is_zero) for v in inside),
                figures=figures.combine((v.report.figures for v in inside if v.report), form),
                form=form,
            )
        )
    return result


@dataclass(frozen=True)
class TrendPoint:
    date: dt.date
    submitted: int
    late: int
    value: Number


def trend(area: Area, figure: figures.Figure, end: dt.date, days: int) -> list[TrendPoint]:
    """One figure over the last ``days`` days up to ``end``, from the submitted snapshots, with the
    number of reports behind each point: one query."""
    start = end - dt.timedelta(days=days - 1)
    form = figures.ReportForm("trend", figure.label, figures.with_parts([figure.key]))
    by_day: dict[dt.date, list[tuple[dict, bool]]] = defaultdict(list)
    for day, values, late in (
        DailyReport.objects.in_area(area)
        .filter(date__gte=start, date__lte=end)
        .order_by()
        .values_list("date", "figures", "late")
    ):
        by_day[day].append((values, late))
    points = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        entries = by_day.get(day, [])
        total = figures.combine((values for values, _late in entries), form)
        points.append(
            TrendPoint(
                date=day,
                submitted=len(entries),
                late=sum(late for _values, late in entries),
                value=total[figure.key],
            )
        )
    return points
