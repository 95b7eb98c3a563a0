"""The registry of report figures: each a key, a label, a unit and a function of (area, date).

Nobody types these numbers: each is computed from the records by the screening and monitoring
figure functions. Figures of one area share one ``FigureContext`` so that a whole report costs a
fixed number of queries (the monitoring counts come from one aggregate, for instance).

A report form is an ordered selection of figure keys; ``VILLAGE_DAILY`` is the standard village
daily report. Other capabilities (checkpoints, duty, errands, supplies, ...) register their figures
from their own ``report_figures`` module, imported in their ``AppConfig.ready``::

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
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import TypeVar
from urllib.parse import urlencode

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.clock import local_tz
from fangkong.monitoring.figures import SLOTS_PER_DAY, MonitoringFigures, monitoring_figures
from fangkong.monitoring.models import (
    OBSERVED_STATES,
    Alert,
    AlertKind,
    CheckIn,
    ObservationCase,
    Status,
)
from fangkong.monitoring.models import Mode as CaseMode
from fangkong.registry.models import Household
from fangkong.screening import figures as screening_figures
from fangkong.screening.models import HouseholdVisit, PersonCheck, ScreeningRound, VisitOutcome

Number = int | float
T = TypeVar("T")


class FigureContext:
    """One area on one date: what the figure functions share (each computed once, on demand)."""

    def __init__(
        self, area: Area, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
    ) -> None:
        self.area = area
        self.day = day
        self._window = window
        self._shared: dict[str, object] = {}

    @cached_property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """The report day [start, end): from the county's cut-off the day before to the cut-off
        of the day (or a report's own window, see ``report_submit``)."""
        if self._window is not None:
            return self._window
        return report_day(self.area, self.day)

    @cached_property
    def new_cases(self) -> int:
        return _new_cases(self).count()

    @cached_property
    def alerts_in_window(self) -> dict[str, int]:
        start, end = self.window
        return (
            Alert.objects.in_area(self.area)
            .filter(raised_at__gte=start, raised_at__lt=end)
            .aggregate(
                fever=Count("pk", filter=Q(kind=AlertKind.FEVER)),
                missed=Count("pk", filter=Q(kind=AlertKind.MISSED)),
            )
        )

    def shared(self, name: str, compute: Callable[[Area, dt.date], T]) -> T:
        """``compute(area, day)`` run once per context: the figures of one capability share one
        aggregate query instead of one query each."""
        if name not in self._shared:
            self._shared[name] = compute(self.area, self.day)
        return self._shared[name]  # type: ignore[return-value]

    @cached_property
    def monitoring(self) -> MonitoringFigures:
        return monitoring_figures(self.area, self.day)

    @cached_property
    def households(self) -> int:
        return Household.objects.in_area(self.area).count()

    @cached_property
    def households_screened(self) -> int:
        return screening_figures.households_screened(self.area, self.day)

    @cached_property
    def risk_area_travellers(self) -> int:
        return screening_figures.risk_area_travellers(self.area, self.day)

    @cached_property
    def round(self) -> ScreeningRound | None:
        """The latest screening round over this area (or an area above it): the link target."""
        parts = self.area.path.strip("/").split("/")
        prefixes = ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
        return (
            ScreeningRound.objects.filter(county_id=self.area.county_id, area__path__in=prefixes)
            .filter(started_on__lte=self.day)
            .order_by("-started_on", "-pk")
            .first()
        )


def report_day(area: Area, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[cut-off the day before, cut-off of the day), aware, in the county's cut-off time."""
    from fangkong.reports.models import ReportDeadline

    cutoff = ReportDeadline.objects.cutoff(area.county_id)
    end = dt.datetime.combine(day, cutoff, tzinfo=local_tz())
    return end - dt.timedelta(days=1), end


def _new_cases(c: FigureContext) -> QuerySet:
    """Put under observation in the report day (by when it was recorded: a returnee put under
    observation at 20:00 is new in the next day's report)."""
    start, end = c.window
    return (
        ObservationCase.objects.in_area(c.area)
        .filter(status__in=OBSERVED_STATES, opened_at__gte=start, opened_at__lt=end)
        .select_related("resident")
    )


def _window_alerts(kind: str) -> Callable[[FigureContext], QuerySet]:
    def rows(c: FigureContext) -> QuerySet:
        start, end = c.window
        return Alert.objects.in_area(c.area).filter(
            kind=kind, raised_at__gte=start, raised_at__lt=end
        )

    return rows


def _case_list(**params: str) -> Callable[[FigureContext], str]:
    def link(ctx: FigureContext) -> str:
        return reverse("monitoring:case_list") + ("?" + urlencode(params) if params else "")

    return link


def _alerts(ctx: FigureContext) -> str:
    return reverse("monitoring:alert_list") + "?show=all"


def _round(ctx: FigureContext) -> str:
    if ctx.round is None:
        return reverse("screening:round_list")
    return reverse("screening:round_detail", args=[ctx.round.pk]) + f"?area={ctx.area.pk}"


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


def _percent(part: Number, whole: Number) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _household_rows(c: FigureContext) -> QuerySet:
    return Household.objects.in_area(c.area)


def _screened_rows(c: FigureContext) -> QuerySet:
    visited = HouseholdVisit.objects.filter(
        household=OuterRef("pk"), outcome=VisitOutcome.VISITED, visited_on__lte=c.day
    )
    return Household.objects.in_area(c.area).filter(Exists(visited))


def _traveller_rows(c: FigureContext) -> QuerySet:
    """Each person once (their first check), as the figure counts them."""
    checks = (
        PersonCheck.objects.in_area(c.area)
        .travelled()
        .filter(via_risk_area=True, visit__visited_on__lte=c.day)
    )
    first = checks.order_by().values("person_key").annotate(first=Min("pk")).values("first")
    return PersonCheck.objects.filter(pk__in=first)


def _cases(c: FigureContext, *, active: bool = False, **filters: object) -> QuerySet:
    cases = ObservationCase.objects.in_area(c.area).select_related("resident")
    return (cases.active_on(c.day) if active else cases).filter(**filters)


def _checkin_rows(c: FigureContext) -> QuerySet:
    return (
        CheckIn.objects.in_area(c.area)
        .filter(date=c.day, case__status__in=OBSERVED_STATES, case__start_date__lte=c.day)
        .filter(Q(case__ended_on__isnull=True) | Q(case__ended_on__gt=c.day))
    )


_CASE = "resident__household__area__name"
_CHECKIN = "case__resident__household__area__name"


PEOPLE = _("people")
HOUSEHOLDS = _("households")
TIMES = _("times")
SCREENING = _("Screening")
MONITORING = _("Home observation")
_SCREENING_KEYS = {"households", "households_screened", "screening_coverage", "risk_area_travel"}

for _figure in [
    Figure(
        "households",
        _("Households in the register"),
        HOUSEHOLDS,
        lambda c: c.households,
        records=Records(_household_rows, "area__name"),
    ),
    Figure(
        "households_screened",
        _("Households screened"),
        HOUSEHOLDS,
        lambda c: c.households_screened,
        records=Records(_screened_rows, "area__name", page=_round),
    ),
    Figure(
        "screening_coverage",
        _("Screening coverage"),
        "%",
        lambda c: _percent(c.households_screened, c.households),
        ratio_of=("households_screened", "households"),
    ),
    Figure(
        "risk_area_travel",
        _("People with travel to a risk area"),
        PEOPLE,
        lambda c: c.risk_area_travellers,
        records=Records(_traveller_rows, "visit__household__area__name", page=_round),
    ),
    Figure(
        "monitored_total",
        _("People monitored in total"),
        PEOPLE,
        lambda c: c.monitoring.monitored_total,
        records=Records(
            lambda c: _cases(c, status__in=OBSERVED_STATES, start_date__lte=c.day),
            _CASE,
            page=_case_list(status="all"),
        ),
    ),
    Figure(
        "monitored_now",
        _("Under observation now"),
        PEOPLE,
        lambda c: c.monitoring.monitored_now,
        event=True,
        records=Records(lambda c: _cases(c, active=True), _CASE, page=_case_list(status="active")),
    ),
    Figure(
        "at_home",
        _("In home observation"),
        PEOPLE,
        lambda c: c.monitoring.at_home,
        event=True,
        records=Records(
            lambda c: _cases(c, active=True, mode=CaseMode.HOME),
            _CASE,
            page=_case_list(status="active", mode="home"),
        ),
    ),
    Figure(
        "centralised",
        _("In centralised observation"),
        PEOPLE,
        lambda c: c.monitoring.centralised,
        event=True,
        records=Records(
            lambda c: _cases(c, active=True, mode=CaseMode.CENTRALISED),
            _CASE,
            page=_case_list(status="active", mode="centralised"),
        ),
    ),
    Figure(
        "new_today",
        _("New under observation today"),
        PEOPLE,
        lambda c: c.new_cases,
        event=True,
        records=Records(
            _new_cases,
            _CASE,
            page=_case_list(status="active"),
        ),
    ),
    Figure(
        "released_today",
        _("Released today"),
        PEOPLE,
        lambda c: c.monitoring.released_today,
        event=True,
        records=Records(
            lambda c: _cases(c, status=Status.RELEASED, ended_on=c.day),
            _CASE,
            page=_case_list(status="released"),
        ),
    ),
    Figure(
        "released_total",
        _("Released in total"),
        PEOPLE,
        lambda c: c.monitoring.released_total,
        records=Records(
            lambda c: _cases(c, status=Status.RELEASED, ended_on__lte=c.day),
            _CASE,
            page=_case_list(status="released"),
        ),
    ),
    Figure(
        "checkins_due",
        _("Temperature check-ins due"),
        TIMES,
        lambda c: c.monitoring.checkins_due,
        records=Records(
            lambda c: _cases(c, active=True),
            _CASE,
            total=times(SLOTS_PER_DAY),
            page=_case_list(status="active"),
        ),
    ),
    Figure(
        "checkins_done",
        _("Temperature check-ins done"),
        TIMES,
        lambda c: c.monitoring.checkins_done,
        records=Records(_checkin_rows, _CHECKIN, page=_case_list(status="active")),
    ),
    Figure(
        "fever_alerts",
        _("Fever alerts"),
        PEOPLE,
        lambda c: c.alerts_in_window["fever"],
        event=True,
        records=Records(_window_alerts(AlertKind.FEVER), _CHECKIN, page=_alerts),
    ),
    Figure(
        "missed_checkins",
        _("Missed check-ins"),
        TIMES,
        lambda c: c.alerts_in_window["missed"],
        event=True,
        records=Records(_window_alerts(AlertKind.MISSED), _CHECKIN, page=_alerts),
    ),
]:
    register(replace(_figure, section=SCREENING if _figure.key in _SCREENING_KEYS else MONITORING))


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
            totals[figure.key] = _percent(totals[part], totals[whole])
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
            result[figure.key] = _percent(result[part], result[of])
    return result
