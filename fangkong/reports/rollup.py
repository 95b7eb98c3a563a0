"""Roll-ups for a township or county on a date: completeness, timeliness, missing villages with
their cadres' phones, the figures summed from the submitted snapshots and the live figures beside
them, and trends over days. A fixed number of queries whatever the number of villages."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, FloatField, Max, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from fangkong.accounts.models import Role, User
from fangkong.areas.models import Area, Level
from fangkong.core.clock import local_tz
from fangkong.reports import figures
from fangkong.reports.models import (
    DailyReport,
    Reminder,
    ReportDeadline,
    ReportVersion,
    SheetReport,
    SheetVersion,
)

Number = figures.Number
ReportForm = figures.ReportForm
STANDARD_FORM = figures.VILLAGE_DAILY


@dataclass
class VillageRow:
    area: Area
    report: DailyReport | None = None
    phones: list[str] = field(default_factory=list)
    # The village's cadres to call: (name, phone).
    contacts: list[tuple[str, str]] = field(default_factory=list)
    reminded_at: dt.datetime | None = None

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
    # The area's own row (乡镇本级 / 县本级): records kept at its own level, not in a row below.
    own: bool = False
    # Where the figures come from: "reported" (frozen snapshots), "live" (the records now, for
    # an own row) or "villages" (a township that has not sent its sheet: its villages' reports
    # only, its own row missing).
    source: str = "reported"
    sheet: SheetReport | None = None  # a township's sheet, in a county's roll-up

    @property
    def sheet_status(self) -> str:
        if self.sheet is None:
            return "missing"
        return "late" if self.sheet.late else "on_time"

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @property
    def label(self) -> str:
        if not self.own:
            return self.area.name
        if self.area.level == Level.COUNTY:
            return _("%(area)s (county level)") % {"area": self.area.name}
        return _("%(area)s (township level)") % {"area": self.area.name}

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
    sheet: SheetReport | None = None  # this area's own sheet sent upward
    amendments: list[Amendment] = field(default_factory=list)

    @property
    def sheet_due(self) -> dt.datetime:
        level = "county" if self.area.level == Level.COUNTY else "township"
        return dt.datetime.combine(self.date, self.due[level], tzinfo=local_tz())

    @property
    def townships(self) -> list[ChildRow]:
        """A county's townships, with the sheet each sent (or not)."""
        return [row for row in self.rows if not row.own and row.village is None]

    @property
    def sheets_sent(self) -> int:
        return sum(row.sheet is not None for row in self.townships)

    @property
    def sheets_late(self) -> int:
        return sum(row.sheet_status == "late" for row in self.townships)

    @property
    def own(self) -> ChildRow | None:
        return next((row for row in self.rows if row.own), None)

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


@dataclass(frozen=True)
class Change:
    figure: figures.Figure
    before: Number | None
    after: Number | None


@dataclass
class Amendment:
    """A version made after the level above took its sheet (or after that level's deadline):
    shown to that level until someone there acknowledges it."""

    area: Area
    version: ReportVersion | SheetVersion
    changes: list[Change]

    @property
    def kind(self) -> str:
        return "sheet" if isinstance(self.version, SheetVersion) else "report"


def _changes(before: dict, after: dict, form: ReportForm) -> list[Change]:
    return [
        Change(f, before.get(f.key), after.get(f.key))
        for f in form.figures
        if before.get(f.key) != after.get(f.key)
    ]


def _late_amendments(
    area: Area, day: dt.date, form: ReportForm, taken: dt.datetime
) -> list[Amendment]:
    """Amendments after ``taken`` (the sheet above, or its deadline) of the reports (villages)
    or sheets (townships) that make up ``area``'s roll-up: two queries."""
    if area.level == Level.COUNTY:
        versions: list = list(
            SheetVersion.objects.filter(
                county_id=area.county_id,
                sheet__area__parent=area,
                sheet__date=day,
            )
            .select_related("sheet__area", "by", "acknowledged_by")
            .order_by("sheet_id", "number")
        )
        owner = "sheet"
    else:
        versions = list(
            ReportVersion.objects.filter(
                county_id=area.county_id, report__area__path__startswith=area.path
            )
            .filter(report__date=day)
            .select_related("report__area", "by", "acknowledged_by")
            .order_by("report_id", "number")
        )
        owner = "report"
    result = []
    previous: dict[int, dict] = {}
    for version in versions:
        parent_id = getattr(version, f"{owner}_id")
        if version.number > 1 and version.at > taken:
            before = previous.get(parent_id, {})
            result.append(
                Amendment(
                    area=getattr(version, owner).area,
                    version=version,
                    changes=_changes(before, version.figures, form),
                )
            )
        previous[parent_id] = version.figures
    return result


def _villages(area: Area, day: dt.date) -> list[Area]:
    return list(Area.objects.subtree(area).expected_on(day).order_by("path"))


def _village_rows(
    area: Area, day: dt.date, select_related: tuple[str, ...] = ()
) -> list[VillageRow]:
    """The villages expected to report on ``day``, each with its report (or None): 2 queries."""
    rows = DailyReport.objects.in_area(area).filter(date=day).order_by()
    if select_related:
        rows = rows.select_related(*select_related)
    reports = {r.area_id: r for r in rows}
    return [VillageRow(v, reports.get(v.pk)) for v in _villages(area, day)]


def _sheets(
    area: Area, day: dt.date, levels: list[str], select_related: tuple[str, ...] = ()
) -> dict[int, SheetReport]:
    """The sheets sent for ``day`` by the areas of ``levels`` in ``area``, by area id."""
    rows = SheetReport.objects.in_area(area).filter(date=day, area__level__in=levels).order_by()
    if select_related:
        rows = rows.select_related(*select_related)
    return {sheet.area_id: sheet for sheet in rows}


def chart_rows(
    area: Area, day: dt.date, own: Callable[[list[Area]], dict[str, Number]]
) -> list[ChildRow]:
    """The rows of ``area``'s roll-up with their figures, as ``rollup(area, day, live=False,
    own=own)`` gives them, and nothing else: what the dashboard charts per area. The roll-up
    page's other parts (the missing villages' cadres and reminders, the deadlines, the late
    amendments) are 5 queries the chart does not show: 4 queries for a county, 3 for a
    township (its villages' rows need no sheet), plus what ``own`` reads."""
    form = figures.form_for(area.county_id)
    villages = _village_rows(area, day)
    # A county's rows are its townships, each by the sheet it sent (or its villages' reports).
    sheets = _sheets(area, day, [Level.TOWNSHIP]) if area.level == Level.COUNTY else {}
    children = _child_rows(area, villages, form, sheets)
    if area.level in {Level.TOWNSHIP, Level.COUNTY}:
        below = [c.area for c in children]
        children.append(ChildRow(area=area, figures=own(below), form=form, own=True, source="live"))
    return children


def rollup(
    area: Area,
    day: dt.date,
    *,
    live: bool = True,
    own: Callable[[list[Area]], dict[str, Number]] | None = None,
) -> Rollup:
    """The roll-up of ``area`` for ``day``: 6 queries, plus the live figures' fixed few.

    ``own`` (with ``live=False``), given the areas of the rows below, gives the figures of the
    area's own row instead of computing every figure of the form over the area and each row below
    (the dashboard, which charts one figure, gives that one)."""
    form = figures.form_for(area.county_id)
    rows = _village_rows(area, day, select_related=("submitted_by",))
    missing_ids = [v.area.pk for v in rows if v.report is None]
    contacts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    reminded: dict[int, dt.datetime] = {}
    if missing_ids:
        for area_id, phone, first, last, username in (
            User.objects.filter(role=Role.VILLAGE_CADRE, is_active=True, area_id__in=missing_ids)
            .exclude(phone="")
            .order_by("username")
            .values_list("area_id", "phone", "first_name", "last_name", "username")
        ):
            name = f"{last}{first}".strip() or username
            contacts[area_id].append((name, phone))
        reminded = dict(
            Reminder.objects.filter(county_id=area.county_id, area_id__in=missing_ids, date=day)
            .order_by()
            .values("area_id")
            .annotate(last=Max("sent_at"))
            .values_list("area_id", "last")
        )
    for row in rows:
        row.contacts = contacts.get(row.area.pk, [])
        row.phones = [phone for _name, phone in row.contacts]
        row.reminded_at = reminded.get(row.area.pk)
    sheets = _sheets(area, day, [Level.TOWNSHIP, Level.COUNTY], select_related=("submitted_by",))
    children = _child_rows(area, rows, form, sheets)
    whole: dict[str, Number] = {}
    if area.level in {Level.TOWNSHIP, Level.COUNTY}:
        below = [c.area for c in children]
        if own is not None and not live:
            children.append(
                ChildRow(area=area, figures=own(below), form=form, own=True, source="live")
            )
        else:
            # The area's own records (乡镇本级 / 县本级): its figures less those of the rows
            # below, every figure of the area and of each row below from the same grouped
            # queries (a fixed number whatever the number of rows).
            whole, parts = figures.compute_below(area, below, day, form)
            children.append(
                ChildRow(
                    area=area,
                    figures=figures.own_part(whole, parts.values(), form),
                    form=form,
                    own=True,
                    source="live",
                )
            )
    elif live or own is None:
        whole = figures.compute(area, day, form)
    reported = figures.combine((row.figures for row in children), form)
    due = ReportDeadline.objects.due_times(area.county_id)
    sheet = sheets.get(area.pk)
    amendments: list[Amendment] = []
    if area.level in {Level.TOWNSHIP, Level.COUNTY}:
        level = "county" if area.level == Level.COUNTY else "township"
        taken = dt.datetime.combine(day, due[level], tzinfo=local_tz())
        if sheet is not None:
            taken = min(taken, sheet.submitted_at)
        amendments = _late_amendments(area, day, form, taken)
    return Rollup(
        sheet=sheet,
        amendments=amendments,
        area=area,
        date=day,
        deadline=dt.datetime.combine(day, due["village"], tzinfo=local_tz()),
        villages=rows,
        rows=children,
        reported=reported,
        live=whole if live else {},
        form=form,
        due=due,
    )


def _child_rows(
    area: Area,
    villages: list[VillageRow],
    form: figures.ReportForm,
    sheets: dict[int, SheetReport],
) -> list[ChildRow]:
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
        sheet = sheets.get(township.pk)
        if sheet is not None:  # what the township sent (its own row included)
            values, source = dict(sheet.figures), "reported"
        else:  # not sent yet: its villages' reports, without the township's own row
            values = figures.combine((v.report.figures for v in inside if v.report), form)
            source = "villages"
        result.append(
            ChildRow(
                area=township,
                expected=len(inside),
                submitted=sum(v.report is not None for v in inside),
                late=sum(v.status == "late" for v in inside),
                zero=sum(bool(v.report and v.report.is_zero) for v in inside),
                figures=values,
                form=form,
                source=source,
                sheet=sheet,
            )
        )
    return result


@dataclass(frozen=True)
class TrendPoint:
    date: dt.date
    submitted: int
    late: int
    value: Number | None  # None: no report that day (a gap in the chart, not a 0)


def trend(area: Area, figure: figures.Figure, end: dt.date, days: int) -> list[TrendPoint]:
    """One figure over the last ``days`` days up to ``end``, from the submitted snapshots, with the
    number of reports behind each point: one query, summed in the database per day (a county's
    30 days are 9,000 snapshots: decoding each in Python cost most of the dashboard)."""
    start = end - dt.timedelta(days=days - 1)
    keys = [k for k in figures.with_parts([figure.key]) if figures.FIGURES[k].ratio_of is None]
    sums = {
        f"sum_{n}": Sum(Cast(KT(f"figures__{key}"), FloatField())) for n, key in enumerate(keys)
    }
    by_day = {
        row["date"]: row
        for row in DailyReport.objects.in_area(area)
        .filter(date__gte=start, date__lte=end)
        .order_by()
        .values("date")
        .annotate(n=Count("pk"), late_n=Count("pk", filter=Q(late=True)), **sums)
    }
    form = figures.ReportForm("trend", figure.label, figures.with_parts([figure.key]))
    points = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        row = by_day.get(day)
        if row is None:
            points.append(TrendPoint(date=day, submitted=0, late=0, value=None))
            continue
        summed = {key: _number(row[f"sum_{n}"]) for n, key in enumerate(keys)}  # type: ignore[literal-required]
        points.append(
            TrendPoint(
                date=day,
                submitted=row["n"],
                late=row["late_n"],
                value=figures.combine([summed], form)[figure.key],
            )
        )
    return points


def _number(value: float | None) -> Number:
    """A sum from the database as the snapshots hold it: whole numbers as int."""
    if value is None:
        return 0
    return int(value) if float(value).is_integer() else round(value, 2)


def live_trend(area: Area, figure: figures.Figure, end: dt.date, days: int) -> list[TrendPoint]:
    """One figure over the last ``days`` days computed from the records for each day: below a
    village (a grid) there are no reports to chart. A fixed few queries per day."""
    start = end - dt.timedelta(days=days - 1)
    return [
        TrendPoint(date=day, submitted=0, late=0, value=figure.value(area, day))
        for day in (start + dt.timedelta(days=n) for n in range(days))
    ]
