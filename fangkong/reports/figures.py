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
from functools import cached_property
from typing import TypeVar
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.monitoring.figures import MonitoringFigures, monitoring_figures
from fangkong.registry.models import Household
from fangkong.screening import figures as screening_figures
from fangkong.screening.models import ScreeningRound

Number = int | float
T = TypeVar("T")


class FigureContext:
    """One area on one date: what the figure functions share (each computed once, on demand)."""

    def __init__(self, area: Area, day: dt.date) -> None:
        self.area = area
        self.day = day
        self._shared: dict[str, object] = {}

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


def _cases(**params: str) -> Callable[[FigureContext], str]:
    def link(ctx: FigureContext) -> str:
        return reverse("monitoring:case_list") + ("?" + urlencode(params) if params else "")

    return link


def _alerts(ctx: FigureContext) -> str:
    return reverse("monitoring:alert_list") + "?show=all"


def _round(ctx: FigureContext) -> str:
    if ctx.round is None:
        return reverse("screening:round_list")
    return reverse("screening:round_detail", args=[ctx.round.pk]) + f"?area={ctx.area.pk}"


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

    def value(self, area: Area, day: dt.date) -> Number:
        """The figure for one area and date, computed from the records now."""
        return self.compute(FigureContext(area, day))


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


PEOPLE = _("people")
HOUSEHOLDS = _("households")
TIMES = _("times")
SCREENING = _("Screening")
MONITORING = _("Home observation")
_SCREENING_KEYS = {"households", "households_screened", "screening_coverage", "risk_area_travel"}

for _figure in [
    Figure("households", _("Households in the register"), HOUSEHOLDS, lambda c: c.households),
    Figure(
        "households_screened",
        _("Households screened"),
        HOUSEHOLDS,
        lambda c: c.households_screened,
        link=_round,
    ),
    Figure(
        "screening_coverage",
        _("Screening coverage"),
        "%",
        lambda c: _percent(c.households_screened, c.households),
        ratio_of=("households_screened", "households"),
        link=_round,
    ),
    Figure(
        "risk_area_travel",
        _("People with travel to a risk area"),
        PEOPLE,
        lambda c: c.risk_area_travellers,
        link=_round,
    ),
    Figure(
        "monitored_total",
        _("People monitored in total"),
        PEOPLE,
        lambda c: c.monitoring.monitored_total,
        link=_cases(),
    ),
    Figure(
        "monitored_now",
        _("Under observation now"),
        PEOPLE,
        lambda c: c.monitoring.monitored_now,
        event=True,
        link=_cases(status="active"),
    ),
    Figure(
        "at_home",
        _("In home observation"),
        PEOPLE,
        lambda c: c.monitoring.at_home,
        event=True,
        link=_cases(status="active", mode="home"),
    ),
    Figure(
        "centralised",
        _("In centralised observation"),
        PEOPLE,
        lambda c: c.monitoring.centralised,
        event=True,
        link=_cases(status="active", mode="centralised"),
    ),
    Figure(
        "new_today",
        _("New under observation today"),
        PEOPLE,
        lambda c: c.monitoring.new_today,
        event=True,
        link=_cases(status="active"),
    ),
    Figure(
        "released_today",
        _("Released today"),
        PEOPLE,
        lambda c: c.monitoring.released_today,
        event=True,
        link=_cases(status="released"),
    ),
    Figure(
        "released_total",
        _("Released in total"),
        PEOPLE,
        lambda c: c.monitoring.released_total,
        link=_cases(status="released"),
    ),
    Figure(
        "checkins_due",
        _("Temperature check-ins due"),
        TIMES,
        lambda c: c.monitoring.checkins_due,
        link=_cases(status="active"),
    ),
    Figure(
        "checkins_done",
        _("Temperature check-ins done"),
        TIMES,
        lambda c: c.monitoring.checkins_done,
        link=_cases(status="active"),
    ),
    Figure(
        "fever_alerts",
        _("Fever alerts"),
        PEOPLE,
        lambda c: c.monitoring.fever_alerts,
        event=True,
        link=_alerts,
    ),
    Figure(
        "missed_checkins",
        _("Missed check-ins"),
        TIMES,
        lambda c: c.monitoring.missed_checkins,
        event=True,
        link=_alerts,
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


def compute(area: Area, day: dt.date, form: ReportForm = VILLAGE_DAILY) -> dict[str, Number]:
    """Every figure of the form for (area, date), live from the records: a fixed number of
    queries whatever the size of the area."""
    ctx = FigureContext(area, day)
    return {f.key: f.compute(ctx) for f in form.figures}


def compute_with_links(
    area: Area, day: dt.date, form: ReportForm = VILLAGE_DAILY
) -> list[FigureValue]:
    ctx = FigureContext(area, day)
    return [FigureValue(f, f.compute(ctx), f.link(ctx) if f.link else "") for f in form.figures]


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
