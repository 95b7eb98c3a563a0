"""The duty and points figures in the report registry (imported by ``WorkforceConfig.ready``)."""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.reports.figures import PEOPLE, Figure, FigureContext, register
from fangkong.workforce.figures import DutyFigures, duty_figures

SECTION = _("Duty and red points")


def _shared(ctx: FigureContext) -> DutyFigures:
    return ctx.shared("duty", duty_figures)


def _roster(ctx: FigureContext) -> str:
    return reverse("workforce:roster") + f"?day={ctx.day.isoformat()}"


def _points(ctx: FigureContext) -> str:
    return reverse("workforce:points")


for _figure in [
    Figure(
        "checkpoints_staffed",
        _("Checkpoints staffed"),
        _("checkpoints"),
        lambda c: _shared(c).checkpoints_staffed,
        link=_roster,
    ),
    Figure(
        "shifts_covered",
        _("Shifts covered"),
        _("shifts"),
        lambda c: _shared(c).covered,
        link=_roster,
    ),
    Figure(
        "shift_gaps",
        _("Shifts with too few people"),
        _("shifts"),
        lambda c: _shared(c).gaps,
        link=_roster,
    ),
    Figure(
        "people_on_duty", _("People on duty"), PEOPLE, lambda c: _shared(c).on_duty, link=_roster
    ),
    Figure(
        "points_granted",
        _("Red points granted"),
        _("points"),
        lambda c: _shared(c).points,
        link=_points,
    ),
]:
    register(replace(_figure, section=SECTION))
