"""The registry of report figures: each a key, a label, a unit and a function of (area, date).

Nobody types these numbers: each is computed from the records by the figure functions of the
capability that keeps them. Figures of one area share one ``FigureContext`` so that a whole report
costs a fixed number of queries (the monitoring counts come from one aggregate, for instance).

A report form is an ordered selection of figure keys; ``VILLAGE_DAILY`` is the standard village
daily report. Every capability (screening, monitoring, checkpoints, duty, errands, supplies, ...)
registers its figures from its own ``report_figures`` module, imported in its ``AppConfig.ready``
(the order of ``INSTALLED_APPS`` is the order of the report)::

    from fangkong.reports.figures import Figure, register

    def _checkpoints(ctx):  # one aggregate for every checkpoint figure of (area, date)
        return ctx.shared("checkpoints", checkpoint_figures)

    register(Figure("passages_people", _("People passing checkpoints"), PEOPLE,
                    lambda c: _checkpoints(c).people, event=False, section=_("Checkpoints")))

``register`` appends the figure to the standard village daily report (``forms=()`` keeps it out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TypeVar

from django.db.models import (
    Aggregate,
    Count,
    F,
    Func,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Sum,
)
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.clock import local_tz

Number = int | float
T = TypeVar("T")
M = TypeVar("M", bound=Model)


class FigureContext:
    """One area on one date: what the figure functions share (each computed once, on demand)."""

    def __init__(
        self,
        area: Area,
        day: dt.date,
        window: tuple[dt.datetime, dt.datetime] | None = None,
        *,
        group: Group | None = None,
    ) -> None:
        self.area = area
        self.day = day
        self._window = window
        self._shared: dict[str, object] = {}
        self._group = group

    @cached_property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """The report day [start, end) that event figures ("new today", alerts) count: from the
        county's cut-off the day before to the cut-off of the day, or a report's own window (see
        ``report_submit``)."""
        if self._window is not None:
            return self._window
        return report_day(self.area, self.day)

    def during(self, *, day: str | None = None, at: str | None = None) -> Q:
        """Rows that happened in the report day (see ``happened_in``)."""
        return happened_in(self.window, day=day, at=at)

    def by_end(self, *, day: str | None = None, at: str | None = None) -> Q:
        """Rows that happened before the report day ended: the "in total" figures, so that a
        total grows from one report to the next by exactly that report's events."""
        return happened_before(self.window[1], day=day, at=at)

    def shared(self, name: str, compute: Callable[[Area, dt.date], T]) -> T:
        """``compute(area, day)`` run once per context: the figures of one capability share one
        aggregate query instead of one query each."""
        if name not in self._shared:
            if self._group is not None and name in SHARED_BELOW:
                # Computed for every area of the roll-up at once (one grouped query).
                self._shared[name] = self._group.value(name, self.area.pk)
            else:
                self._shared[name] = compute(self.area, self.day)
        return self._shared[name]  # type: ignore[return-value]


Window = tuple[dt.datetime, dt.datetime]


def _additive(aggregate: Aggregate) -> bool:
    """A count or a sum of rows: the sums of its parts add up to it."""
    return isinstance(aggregate, Count | Sum) and not getattr(aggregate, "distinct", False)


def _empty(aggregate: Aggregate) -> object:
    """What ``aggregate`` gives over no rows (as ``QuerySet.aggregate`` does)."""
    return 0 if isinstance(aggregate, Count) else None


def _plus(a: object, b: object) -> object:
    if a is None:
        return b
    if b is None:
        return a
    return a + b  # type: ignore[operator]


class Areas:
    """The areas a set of figures is computed for at once: one area (``Areas(area)``), or an
    area and each area one level below it (``Below``, a roll-up's rows), every query grouped by
    the area its rows lie in. The figure functions of the capabilities aggregate through it, so
    that one function serves the daily report of a village and a county's roll-up."""

    def __init__(self, area: Area) -> None:
        self.area = area
        self._once: dict[str, object] = {}

    @property
    def keys(self) -> list[int]:
        return [self.area.pk]

    def once(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()`` made once for these areas: one query that serves several figures."""
        if name not in self._once:
            self._once[name] = compute()
        return self._once[name]  # type: ignore[return-value]

    def aggregate(self, rows: QuerySet, field: str, **aggregates: Aggregate) -> dict[int, dict]:
        """``rows`` (of ``self.area``'s subtree) aggregated for each area, by key: ``field``
        names the rows' area (``area``, ``case__area``, ...)."""
        return {self.area.pk: rows.aggregate(**aggregates)}

    def split(self, items: Iterable[tuple[int, T]]) -> dict[int, list[T]]:
        """Items read once for the whole area, each with its area's id: the items of each key."""
        return {self.area.pk: [item for _area_id, item in items]}

    def placed(self, rows: QuerySet[M], field: str) -> QuerySet[M]:
        """``rows`` of the area's subtree by the id of their area (``field``): for the rows of
        a table that carries its area, the (county, area) indexes serve it with no join up to
        the area table. One area: its ``in_area``."""
        return rows.in_area(self.area)  # type: ignore[attr-defined]


class _ChildOf(Func):
    """``CASE WHEN <row's area id> IN (<ids under child 1>) THEN <child 1> ... ELSE 0 END``: the
    area below a roll-up's area that a row lies in, from the row's own area id, its column
    resolved once. (A ``Case`` of ``When(<field>__path__startswith=child.path)`` resolves the
    join path and joins up to the area table once per child: 30 for a township's villages,
    most of what a distinct count cost on the ORM's side, and a join the database did not
    need.)"""

    output_field = IntegerField()

    def __init__(self, column: F, groups: list[tuple[int, list[int]]]) -> None:
        super().__init__(column)
        self.groups = groups

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def, override]
        column, column_params = compiler.compile(self.source_expressions[0])
        whens: list[str] = []
        params: list[object] = []
        for child, ids in self.groups:
            whens.append(f"WHEN {column} IN ({', '.join(['%s'] * len(ids))}) THEN %s")
            params += [*column_params, *ids, child]
        if not whens:
            return "0", []
        return f"CASE {' '.join(whens)} ELSE 0 END", params


class Below(Areas):
    """An area and the areas one level below it (a township's villages, a county's townships):
    each aggregate over the area's subtree grouped by the area below that each row lies in, and
    over the whole area (key: the area's own id). Counts and sums are grouped by the rows' own
    area id (no join up to the area table) and added up per child here; distinct counts are
    grouped in the database by the child whose path the row's area starts with. Two queries
    whatever the number of areas below."""

    def __init__(self, area: Area, children: list[Area]) -> None:
        super().__init__(area)
        self.children = children
        paths = {child.path: child.pk for child in children}
        self.child_of: dict[int, int] = {}
        for pk, path in Area.objects.subtree(area).values_list("pk", "path"):
            parts = path.split("/")
            for n in range(1, len(parts)):
                child = paths.get("/".join(parts[:n]) + "/")
                if child is not None:
                    self.child_of[pk] = child
                    break

    @property
    def keys(self) -> list[int]:
        return [self.area.pk, *(child.pk for child in self.children)]

    def aggregate(self, rows: QuerySet, field: str, **aggregates: Aggregate) -> dict[int, dict]:
        result = {key: {k: _empty(a) for k, a in aggregates.items()} for key in self.keys}
        whole = result[self.area.pk]
        if all(_additive(a) for a in aggregates.values()):
            for row in rows.order_by().values(f"{field}_id").annotate(**aggregates):
                child = self.child_of.get(row.pop(f"{field}_id"))
                for key, value in row.items():
                    whole[key] = _plus(whole[key], value)
                    if child is not None:
                        result[child][key] = _plus(result[child][key], value)
            return result
        groups: dict[int, list[int]] = {child.pk: [] for child in self.children}
        for pk, child in self.child_of.items():
            groups[child].append(pk)
        below = _ChildOf(F(f"{field}_id"), [(child, ids) for child, ids in groups.items() if ids])
        if self.children:
            for row in (
                rows.annotate(_below=below).order_by().values("_below").annotate(**aggregates)
            ):
                child = row.pop("_below")
                if child:
                    result[child].update(row)
        result[self.area.pk] = rows.aggregate(**aggregates)
        return result

    def placed(self, rows: QuerySet[M], field: str) -> QuerySet[M]:
        rows = rows.filter(county_id=self.area.county_id)
        if self.area.pk == self.area.county_id:  # every row of the county carries it
            return rows
        # ``IN (SELECT id … path LIKE 'prefix%')``, not the ids read above: the same plan (one
        # (county, area) index probe per area of the subtree), without a township's 181 ids as
        # parameters of every statement, quoted, parsed and not cached by psycopg each time.
        return rows.filter(**{f"{field}_id__in": Area.objects.subtree(self.area).values("pk")})

    def split(self, items: Iterable[tuple[int, T]]) -> dict[int, list[T]]:
        result: dict[int, list[T]] = {key: [] for key in self.keys}
        for area_id, item in items:
            result[self.area.pk].append(item)
            child = self.child_of.get(area_id)
            if child is not None:
                result[child].append(item)
        return result


# Shared figure computations that can be made for every area of a roll-up at once: name (as
# given to ``FigureContext.shared``) → ``compute(areas, day, window)`` giving the value by key.
SHARED_BELOW: dict[str, Callable[[Areas, dt.date, Window], dict[int, object]]] = {}


def shared_below(
    name: str,
) -> Callable[
    [Callable[[Areas, dt.date, Window], dict[int, object]]],
    Callable[[Areas, dt.date, Window], dict[int, object]],
]:
    """Register how the shared computation ``name`` is made for many areas at once."""

    def decorate(
        compute: Callable[[Areas, dt.date, Window], dict[int, object]],
    ) -> Callable[[Areas, dt.date, Window], dict[int, object]]:
        SHARED_BELOW[name] = compute
        return compute

    return decorate


class Group:
    """The shared computations of a roll-up's areas, each made once for all of them."""

    def __init__(self, areas: Areas, day: dt.date, window: Window) -> None:
        self.areas = areas
        self.day = day
        self.window = window
        self._values: dict[str, dict[int, object]] = {}

    def value(self, name: str, key: int) -> object:
        if name not in self._values:
            self._values[name] = SHARED_BELOW[name](self.areas, self.day, self.window)
        return self._values[name][key]


def report_day(area: Area, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[cut-off the day before, cut-off of the day), aware, in the county's cut-off time."""
    from fangkong.reports.models import ReportDeadline

    cutoff = ReportDeadline.objects.cutoff(area.county_id)
    end = dt.datetime.combine(day, cutoff, tzinfo=local_tz())
    return end - dt.timedelta(days=1), end


def calendar_day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[00:00, 24:00) of a local day: what the capabilities' own pages count as "today"."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=local_tz())
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=local_tz())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=local_tz())


def _outside_its_day(at: str, day: dt.date) -> Q:
    """``at`` empty or not on ``day``: a movement typed later from paper, a date-only record."""
    start, end = calendar_day(day)
    return Q(**{f"{at}__isnull": True}) | Q(**{f"{at}__lt": start}) | Q(**{f"{at}__gte": end})


def happened_in(
    window: tuple[dt.datetime, dt.datetime], *, day: str | None = None, at: str | None = None
) -> Q:
    """The rows that happened in ``[start, end)``, each at one moment, so that consecutive windows
    count every row exactly once:

    - ``at`` alone (a passage, a case opened): that moment;
    - ``day`` alone (a publicity day): the start (00:00) of that day;
    - both (a hand-out's date and when it was typed): ``at`` when it was typed on its own day,
      otherwise (typed later from a paper backlog, or no time kept) the start of its day — so a
      backlog counts in the report day of the day it happened, never of the day it was typed.
    """
    start, end = window
    if day is None:
        if at is None:
            raise ValueError("happened_in needs a day or a time field")
        return Q(**{f"{at}__gte": start, f"{at}__lt": end})
    local = local_tz()
    first = start.astimezone(local).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(local).date()
    found = Q(pk__in=[])
    current = first
    while current <= last:
        begins = _midnight(current)
        starts_inside = start <= begins < end
        if at is None:
            if starts_inside:
                found |= Q(**{day: current})
        else:
            day_start, day_end = calendar_day(current)
            on_the_day = Q(**{f"{at}__gte": max(start, day_start), f"{at}__lt": min(end, day_end)})
            part = on_the_day | _outside_its_day(at, current) if starts_inside else on_the_day
            found |= Q(**{day: current}) & part
        current += dt.timedelta(days=1)
    return found


def happened_before(end: dt.datetime, *, day: str | None = None, at: str | None = None) -> Q:
    """The rows that happened before ``end``, by the same moment as ``happened_in``."""
    if day is None:
        if at is None:
            raise ValueError("happened_before needs a day or a time field")
        return Q(**{f"{at}__lt": end})
    last = end.astimezone(local_tz()).date()
    earlier = Q(**{f"{day}__lt": last})
    if _midnight(last) >= end:  # the window ends at midnight: nothing of that day yet
        return earlier
    if at is None:
        return earlier | Q(**{day: last})
    on_the_day = Q(**{f"{at}__gte": _midnight(last), f"{at}__lt": end})
    return earlier | (Q(**{day: last}) & (on_the_day | _outside_its_day(at, last)))


def count_rows(rows: QuerySet) -> Number:
    return rows.count()


def sum_of(field_name: str, *, sign: int = 1) -> Callable[[QuerySet], Number]:
    """The rows add up to the figure by a sum (a quantity, money): ``sign=-1`` for stock that
    leaves (hand-outs are negative changes in the ledger)."""

    def total(rows: QuerySet) -> Number:
        value = rows.aggregate(total=Sum(field_name))["total"] or 0
        if isinstance(value, Decimal):
            value = float(value)
        return sign * value

    return total


def times(n: int) -> Callable[[QuerySet], Number]:
    """Each row stands for ``n`` (two temperature check-ins due per person per day)."""
    return lambda rows: n * rows.count()


@dataclass(frozen=True)
class Records:
    """The list behind a figure: the rows it counts for (area, date), where each row is (the
    lookup of its area's name) and how the rows add up to the figure (a count unless said)."""

    rows: Callable[[FigureContext], QuerySet]
    where: str
    total: Callable[[QuerySet], Number] = count_rows
    # The page of the capability that works on these records (actions live there).
    page: Callable[[FigureContext], str] | None = None
    # When adding up needs the day too (people counted person by person at a checkpoint).
    measure: Callable[[FigureContext, QuerySet], Number] | None = None

    def count(self, ctx: FigureContext, rows: QuerySet) -> Number:
        """What the rows add up to: the figure."""
        return self.measure(ctx, rows) if self.measure else self.total(rows)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    unit: str | Promise
    compute: Callable[[FigureContext], Number]
    # Counts people of concern or events of the day: a report whose event figures are all zero is
    # a zero report (零报告). Work done (households screened) and totals to date are not events.
    event: bool = False
    # How a roll-up combines villages: a sum, or a percentage of two other figures' sums.
    ratio_of: tuple[str, str] | None = None
    link: Callable[[FigureContext], str] | None = None
    # The heading the figure is shown under (screening, monitoring, checkpoints, ...).
    section: str | Promise = ""
    # The records behind the figure (a percentage opens the records of its part).
    records: Records | None = None

    def value(self, area: Area, day: dt.date) -> Number:
        """The figure for one area and date, computed from the records now."""
        return self.compute(FigureContext(area, day))

    @property
    def listed(self) -> Figure:
        """The figure whose records the list shows: itself, or a percentage's part."""
        return FIGURES[self.ratio_of[0]] if self.ratio_of else self

    def list_url(self, area: Area, day: dt.date) -> str:
        """The list of exactly the records behind the figure for (area, date)."""
        if self.listed.records is None:
            return ""
        url = reverse("reports:figure_records", args=[self.listed.key, area.pk])
        return f"{url}?date={day.isoformat()}"


FIGURES: dict[str, Figure] = {}


@dataclass
class ReportForm:
    """An ordered selection of figures, plus the fields typed in by hand (remarks only)."""

    key: str
    label: str | Promise
    figure_keys: list[str] = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        return [FIGURES[k] for k in self.figure_keys]


VILLAGE_DAILY = ReportForm("village_daily", _("Village daily report"))
FORMS = {VILLAGE_DAILY.key: VILLAGE_DAILY}


def register(figure: Figure, *, forms: Iterable[str] = ("village_daily",)) -> Figure:
    """Add a figure to the registry and to the end of the given report forms."""
    if figure.key in FIGURES:
        raise ValueError(f"figure {figure.key!r} is registered twice")
    FIGURES[figure.key] = figure
    for key in forms:
        FORMS[key].figure_keys.append(figure.key)
    return figure


def percent(part: Number, whole: Number) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


PEOPLE = _("people")
HOUSEHOLDS = _("households")
TIMES = _("times")


@dataclass(frozen=True)
class FigureValue:
    figure: Figure
    value: Number
    link: str = ""


def with_parts(keys: Iterable[str]) -> list[str]:
    """The chosen keys in the registry's order, each percentage with the figures it needs."""
    chosen = {k for k in keys if k in FIGURES}
    for key in list(chosen):
        parts = FIGURES[key].ratio_of
        if parts:
            chosen.update(parts)
    return [k for k in FIGURES if k in chosen]


def form_for(county_id: int | None) -> ReportForm:
    """The village daily report of a county: its own selection, or the standard form (1 query)."""
    from fangkong.reports.models import CountyReportForm

    keys = (
        CountyReportForm.objects.filter(county_id=county_id)
        .values_list("figure_keys", flat=True)
        .first()
    )
    if not keys:
        return VILLAGE_DAILY
    return ReportForm(VILLAGE_DAILY.key, VILLAGE_DAILY.label, with_parts(keys))


def compute(
    area: Area,
    day: dt.date,
    form: ReportForm = VILLAGE_DAILY,
    *,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> dict[str, Number]:
    """Every figure of the form for (area, date), live from the records: a fixed number of
    queries whatever the size of the area. Event figures cover the report day (``window``)."""
    ctx = FigureContext(area, day, window)
    return {f.key: f.compute(ctx) for f in form.figures}


def compute_below(
    area: Area, children: list[Area], day: dt.date, form: ReportForm = VILLAGE_DAILY
) -> tuple[dict[str, Number], dict[int, dict[str, Number]]]:
    """Every figure of the form for ``area`` and for each of ``children`` (areas below it), live
    from the records: each shared computation made once for all of them, grouped by area, so a
    fixed number of queries whatever the number of children. Gives (the area's, by child id)."""
    below = Below(area, children)
    group = Group(below, day, report_day(area, day))
    areas = {area.pk: area, **{child.pk: child for child in children}}
    values = {
        key: {
            f.key: f.compute(ctx)
            for ctx in [FigureContext(areas[key], day, group.window, group=group)]
            for f in form.figures
        }
        for key in below.keys
    }
    return values.pop(area.pk), values


def compute_with_links(
    area: Area, day: dt.date, form: ReportForm = VILLAGE_DAILY
) -> list[FigureValue]:
    ctx = FigureContext(area, day)
    return [
        FigureValue(f, f.compute(ctx), f.list_url(area, day) or (f.link(ctx) if f.link else ""))
        for f in form.figures
    ]


def is_zero(values: dict[str, Number], form: ReportForm = VILLAGE_DAILY) -> bool:
    """零报告: nothing of concern to report — every event figure of the form is zero."""
    return all(not values.get(f.key) for f in form.figures if f.event)


def _tidy(value: Number) -> Number:
    """Sums of money in floats: no 0.30000000000000004 in a sheet."""
    return round(value, 2) if isinstance(value, float) else value


def combine(snapshots: Iterable[dict[str, Number]], form: ReportForm = VILLAGE_DAILY) -> dict:
    """Roll frozen figures up: sums, and percentages recomputed from the summed parts."""
    totals: dict[str, Number] = {f.key: 0 for f in form.figures}
    for values in snapshots:
        for figure in form.figures:
            if figure.ratio_of is None:
                totals[figure.key] = _tidy(totals[figure.key] + (values.get(figure.key) or 0))
    for figure in form.figures:
        if figure.ratio_of is not None:
            part, whole = figure.ratio_of
            totals[figure.key] = percent(totals[part], totals[whole])
    return totals


def own_part(
    whole: dict[str, Number], parts: Iterable[dict[str, Number]], form: ReportForm = VILLAGE_DAILY
) -> dict[str, Number]:
    """The area's own row (乡镇本级, 县本级): its figure over the whole subtree less what the areas
    below it that report hold. So a township's van trips, its store's hand-outs and its own
    checkpoints count, and the rows of a sheet add up to the figure of the whole area. (A person
    counted in two villages, on duty in both, is counted once in the whole: the own row then
    gives one back, so that the total stays the truth.)"""
    parts = list(parts)
    result: dict[str, Number] = {}
    for figure in form.figures:
        if figure.ratio_of is None:
            below = sum((p.get(figure.key) or 0) for p in parts)
            result[figure.key] = _tidy((whole.get(figure.key) or 0) - below)
    for figure in form.figures:
        if figure.ratio_of is not None:
            part, of = figure.ratio_of
            result[figure.key] = percent(result[part], result[of])
    return result
