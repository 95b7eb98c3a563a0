"""The checkpoint figures in the report registry (imported by ``CheckpointsConfig.ready``)."""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.figures import CheckpointFigures, checkpoint_figures
from fangkong.reports.figures import PEOPLE, Figure, FigureContext, register

SECTION = _("Checkpoints")


def _shared(ctx: FigureContext) -> CheckpointFigures:
    return ctx.shared("checkpoints", checkpoint_figures)


def _passages(**params: str):  # type: ignore[no-untyped-def]
    def link(ctx: FigureContext) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"day": ctx.day.isoformat(), **params}.items())
        return reverse("checkpoints:passage_list") + "?" + query

    return link


for _figure in [
    Figure(
        "passages_people",
        _("People let through at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).people,
        link=_passages(),
    ),
    Figure(
        "passages_people_in",
        _("People let in at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).people_in,
        link=_passages(direction="in"),
    ),
    Figure(
        "passages_people_out",
        _("People let out at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).people_out,
        link=_passages(direction="out"),
    ),
    Figure(
        "passages_vehicles",
        _("Vehicles passing checkpoints"),
        _("vehicles"),
        lambda c: _shared(c).vehicles,
        link=_passages(subject="vehicle"),
    ),
    Figure(
        "turned_back",
        _("People turned back at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).turned_back,
        link=_passages(outcome="turned_back"),
    ),
    Figure(
        "referred",
        _("Referred for observation at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).referred,
        event=True,
        link=_passages(outcome="referred"),
    ),
    Figure(
        "checkpoint_fevers",
        _("Fevers found at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).fevers,
        event=True,
        link=_passages(fever="1"),
    ),
    Figure(
        "checkpoint_risk_arrivals",
        _("Arrivals from risk areas at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).risk_arrivals,
        event=True,
        link=_passages(risk="1", direction="in"),
    ),
]:
    register(replace(_figure, section=SECTION))
