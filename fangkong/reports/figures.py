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
from typing import TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area

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


def combine(snapshots: Iterable[dict[str, Number]], form: ReportForm = VILLAGE_DAILY) -> dict:
    """Roll frozen figures up: sums, and percentages recomputed from the summed parts."""
    totals: dict[str, Number] = {f.key: 0 for f in form.figures}
    for values in snapshots:
        for figure in form.figures:
            if figure.ratio_of is None:
                totals[figure.key] += values.get(figure.key) or 0
    for figure in form.figures:
        if figure.ratio_of is not None:
            part, whole = figure.ratio_of
            totals[figure.key] = percent(totals[part], totals[whole])
    return totals
