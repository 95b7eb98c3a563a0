"""Monitoring's figures in the daily report: people monitored, under observation (at home,
centralised), new and released, check-ins due and done, fever alerts and missed check-ins; all from
one aggregate per area and day (``monitoring_figures``). Registered in ``MonitoringConfig.ready``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.monitoring.figures import (
    SLOTS_PER_DAY,
    MonitoringFigures,
    known_by,
    missed_checkin_cases,
    monitoring_figures,
    monitoring_figures_of,
    released_by,
    released_in,
)
from fangkong.monitoring.models import (
    OBSERVED_STATES,
    Alert,
    AlertKind,
    CheckIn,
    Mode,
    ObservationCase,
)
from fangkong.reports.figures import (
    PEOPLE,
    TIMES,
    Areas,
    Figure,
    FigureContext,
    Records,
    Window,
    register,
    shared_below,
    sum_of,
    times,
)

MONITORING = _("Home observation")


def _monitoring(ctx: FigureContext) -> MonitoringFigures:
    return ctx.shared(
        "monitoring", lambda area, day: monitoring_figures(area, day, window=ctx.window)
    )


def _cases(**params: str) -> Callable[[FigureContext], str]:
    def link(ctx: FigureContext) -> str:
        return reverse("monitoring:case_list") + ("?" + urlencode(params) if params else "")

    return link


def _alerts(ctx: FigureContext) -> str:
    return reverse("monitoring:alert_list") + "?show=all"


# --- the records behind each figure, and the report day's events -------------------------------

_CASE = "resident__household__area__name"
_CHECKIN = "case__resident__household__area__name"


def _case_rows(
    *, active: bool = False, on: str = "", **filters: object
) -> Callable[[FigureContext], QuerySet]:
    """The cases the figure counts: ``on`` names a date lookup compared with the report's day
    (``ended_on`` for released that day, ``start_date__lte`` for monitored to date)."""

    def rows(c: FigureContext) -> QuerySet:
        cases = (
            ObservationCase.objects.in_area(c.area)
            .filter(known_by(c.window[1]))  # as the report day ends
            .select_related("resident")
        )
        cases = cases.active_on(c.day) if active else cases
        return cases.filter(**filters, **({on: c.day} if on else {}))

    return rows


def _new_cases(c: FigureContext) -> QuerySet:
    """Put under observation in the report day, by when it was recorded: a returnee put under
    observation at 20:00, after the village reported, is new in the next day's report."""
    start, end = c.window
    return (
        ObservationCase.objects.in_area(c.area)
        .filter(status__in=OBSERVED_STATES, opened_at__gte=start, opened_at__lt=end)
        .select_related("resident")
    )


def _checkin_rows(c: FigureContext) -> QuerySet:
    return (
        CheckIn.objects.in_area(c.area)
        .filter(date=c.day, case__status__in=OBSERVED_STATES, case__start_date__lte=c.day)
        .filter(Q(case__ended_on__isnull=True) | Q(case__ended_on__gt=c.day))
    )


def _window_alerts(kind: str) -> Callable[[FigureContext], QuerySet]:
    """Alerts raised in the report day (a missed evening slot is raised after the evening)."""

    def rows(c: FigureContext) -> QuerySet:
        start, end = c.window
        return Alert.objects.in_area(c.area).filter(
            kind=kind, raised_at__gte=start, raised_at__lt=end
        )

    return rows


def _alerts_in_window(c: FigureContext) -> dict[str, int]:
    def count(area, day):  # type: ignore[no-untyped-def]
        start, end = c.window
        return (
            Alert.objects.in_area(area)
            .filter(raised_at__gte=start, raised_at__lt=end)
            .aggregate(
                fever=Count("pk", filter=Q(kind=AlertKind.FEVER)),
                missed=Count("pk", filter=Q(kind=AlertKind.MISSED)),
            )
        )

    return c.shared("alerts_in_window", count)


def _missed_in_window(c: FigureContext) -> int:
    def count(area, day):  # type: ignore[no-untyped-def]
        rows = missed_checkin_cases(area, *c.window)
        return int(rows.aggregate(n=Sum("missed_slots"))["n"] or 0)

    return c.shared("missed_in_window", count)


def _new_in_window(c: FigureContext) -> int:
    return c.shared("new_cases_in_window", lambda area, day: _new_cases(c).count())


# The same computations for a roll-up's area and every area below it at once (one grouped
# query each, whatever the number of areas: ``figures.compute_below``).


@shared_below("monitoring")
def _monitoring_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    return dict(monitoring_figures_of(areas, day, window=window))


@shared_below("alerts_in_window")
def _alerts_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    start, end = window
    return dict(
        areas.aggregate(
            Alert.objects.in_area(areas.area).filter(raised_at__gte=start, raised_at__lt=end),
            "case__area",
            fever=Count("pk", filter=Q(kind=AlertKind.FEVER)),
            missed=Count("pk", filter=Q(kind=AlertKind.MISSED)),
        )
    )


@shared_below("missed_in_window")
def _missed_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    rows = missed_checkin_cases(areas.area, *window)
    return {
        key: int(value["n"] or 0)
        for key, value in areas.aggregate(rows, "area", n=Sum("missed_slots")).items()
    }


@shared_below("new_cases_in_window")
def _new_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    start, end = window
    rows = areas.placed(ObservationCase.objects.all(), "area").filter(
        status__in=OBSERVED_STATES, opened_at__gte=start, opened_at__lt=end
    )
    return {key: value["n"] for key, value in areas.aggregate(rows, "area", n=Count("pk")).items()}


for _figure in [
    Figure(
        "monitored_total",
        _("People monitored in total"),
        PEOPLE,
        lambda c: _monitoring(c).monitored_total,
        records=Records(
            _case_rows(status__in=OBSERVED_STATES, on="start_date__lte"),
            _CASE,
            page=_cases(status="all"),
        ),
    ),
    Figure(
        "monitored_now",
        _("Under observation now"),
        PEOPLE,
        lambda c: _monitoring(c).monitored_now,
        event=True,
        records=Records(_case_rows(active=True), _CASE, page=_cases(status="active")),
    ),
    Figure(
        "at_home",
        _("In home observation"),
        PEOPLE,
        lambda c: _monitoring(c).at_home,
        event=True,
        records=Records(
            _case_rows(active=True, mode=Mode.HOME),
            _CASE,
            page=_cases(status="active", mode="home"),
        ),
    ),
    Figure(
        "centralised",
        _("In centralised observation"),
        PEOPLE,
        lambda c: _monitoring(c).centralised,
        event=True,
        records=Records(
            _case_rows(active=True, mode=Mode.CENTRALISED),
            _CASE,
            page=_cases(status="active", mode="centralised"),
        ),
    ),
    Figure(
        "new_today",
        _("New under observation today"),
        PEOPLE,
        _new_in_window,
        event=True,
        records=Records(_new_cases, _CASE, page=_cases(status="active")),
    ),
    Figure(
        "released_today",
        _("Released today"),
        PEOPLE,
        lambda c: _monitoring(c).released_today,
        event=True,
        records=Records(
            lambda c: _case_rows()(c).filter(released_in(c.window)),
            _CASE,
            page=_cases(status="released"),
        ),
    ),
    Figure(
        "released_total",
        _("Released in total"),
        PEOPLE,
        lambda c: _monitoring(c).released_total,
        records=Records(
            lambda c: _case_rows()(c).filter(released_by(c.window[1])),
            _CASE,
            page=_cases(status="released"),
        ),
    ),
    Figure(
        "checkins_due",
        _("Temperature check-ins due"),
        TIMES,
        lambda c: _monitoring(c).checkins_due,
        records=Records(
            _case_rows(active=True),
            _CASE,
            total=times(SLOTS_PER_DAY),
            page=_cases(status="active"),
        ),
    ),
    Figure(
        "checkins_done",
        _("Temperature check-ins done"),
        TIMES,
        lambda c: _monitoring(c).checkins_done,
        records=Records(_checkin_rows, _CHECKIN, page=_cases(status="active")),
    ),
    Figure(
        "fever_alerts",
        _("Fever alerts"),
        PEOPLE,
        lambda c: _alerts_in_window(c)["fever"],
        event=True,
        records=Records(_window_alerts(AlertKind.FEVER), _CHECKIN, page=_alerts),
    ),
    Figure(
        "missed_checkins",
        _("Missed check-ins"),
        TIMES,
        # From what was due and what was recorded (issue 15), not from the missed-slot alerts:
        # right whether or not the scheduler has raised them; each slot in the report day in
        # which it closed (issue 18).
        lambda c: _missed_in_window(c),
        event=True,
        records=Records(
            lambda c: missed_checkin_cases(c.area, *c.window),
            _CASE,
            total=sum_of("missed_slots"),
            page=_alerts,
        ),
    ),
    Figure(
        "late_checkins",
        _("Check-ins reported late"),
        TIMES,
        lambda c: _monitoring(c).late_checkins,
        records=Records(lambda c: _checkin_rows(c).filter(late=True), _CHECKIN, page=_alerts),
    ),
]:
    register(replace(_figure, section=MONITORING))
