"""Monitoring's figures in the daily report: people monitored, under observation (at home,
centralised), new and released, check-ins due and done, fever alerts and missed check-ins; all from
one aggregate per area and day (``monitoring_figures``). Registered in ``MonitoringConfig.ready``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.monitoring.figures import MonitoringFigures, monitoring_figures
from fangkong.reports.figures import PEOPLE, TIMES, Figure, FigureContext, register

MONITORING = _("Home observation")


def _monitoring(ctx: FigureContext) -> MonitoringFigures:
    return ctx.shared("monitoring", monitoring_figures)


def _cases(**params: str) -> Callable[[FigureContext], str]:
    def link(ctx: FigureContext) -> str:
        return reverse("monitoring:case_list") + ("?" + urlencode(params) if params else "")

    return link


def _alerts(ctx: FigureContext) -> str:
    return reverse("monitoring:alert_list") + "?show=all"


for _figure in [
    Figure(
        "monitored_total",
        _("People monitored in total"),
        PEOPLE,
        lambda c: _monitoring(c).monitored_total,
        link=_cases(),
    ),
    Figure(
        "monitored_now",
        _("Under observation now"),
        PEOPLE,
        lambda c: _monitoring(c).monitored_now,
        event=True,
        link=_cases(status="active"),
    ),
    Figure(
        "at_home",
        _("In home observation"),
        PEOPLE,
        lambda c: _monitoring(c).at_home,
        event=True,
        link=_cases(status="active", mode="home"),
    ),
    Figure(
        "centralised",
        _("In centralised observation"),
        PEOPLE,
        lambda c: _monitoring(c).centralised,
        event=True,
        link=_cases(status="active", mode="centralised"),
    ),
    Figure(
        "new_today",
        _("New under observation today"),
        PEOPLE,
        lambda c: _monitoring(c).new_today,
        event=True,
        link=_cases(status="active"),
    ),
    Figure(
        "released_today",
        _("Released today"),
        PEOPLE,
        lambda c: _monitoring(c).released_today,
        event=True,
        link=_cases(status="released"),
    ),
    Figure(
        "released_total",
        _("Released in total"),
        PEOPLE,
        lambda c: _monitoring(c).released_total,
        link=_cases(status="released"),
    ),
    Figure(
        "checkins_due",
        _("Temperature check-ins due"),
        TIMES,
        lambda c: _monitoring(c).checkins_due,
        link=_cases(status="active"),
    ),
    Figure(
        "checkins_done",
        _("Temperature check-ins done"),
        TIMES,
        lambda c: _monitoring(c).checkins_done,
        link=_cases(status="active"),
    ),
    Figure(
        "fever_alerts",
        _("Fever alerts"),
        PEOPLE,
        lambda c: _monitoring(c).fever_alerts,
        event=True,
        link=_alerts,
    ),
    Figure(
        "missed_checkins",
        _("Missed check-ins"),
        TIMES,
        lambda c: _monitoring(c).missed_checkins,
        event=True,
        link=_alerts,
    ),
]:
    register(replace(_figure, section=MONITORING))
