"""The checkpoint figures in the report registry (imported by ``CheckpointsConfig.ready``)."""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.figures import CheckpointFigures, checkpoint_figures
from fangkong.checkpoints.models import Outcome, Passage, Subject
from fangkong.reports.figures import PEOPLE, Figure, FigureContext, Records, register, sum_of

SECTION = _("Checkpoints")


def _shared(ctx: FigureContext) -> CheckpointFigures:
    return ctx.shared("checkpoints", checkpoint_figures)


def _passages(**params: str):  # type: ignore[no-untyped-def]
    def link(ctx: FigureContext) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"day": ctx.day.isoformat(), **params}.items())
        return reverse("checkpoints:passage_list") + "?" + query

    return link


def _records(page, total=None, **filters: str) -> Records:  # type: ignore[no-untyped-def]
    """The passages of (area, date) at the area's checkpoints, as the figure counts them."""

    def rows(ctx: FigureContext):  # type: ignore[no-untyped-def]
        return Passage.objects.in_area(ctx.area).filter(day=ctx.day, **filters)

    if total is None:
        return Records(rows, "checkpoint__area__name", page=page)
    return Records(rows, "checkpoint__area__name", total=total, page=page)


for _figure in [
    Figure(
        "passages_people",
        _("People passing checkpoints"),
        PEOPLE,
        lambda c: _shared(c).people,
        records=_records(_passages(), sum_of("people")),
    ),
    Figure(
        "passages_vehicles",
        _("Vehicles passing checkpoints"),
        _("vehicles"),
        lambda c: _shared(c).vehicles,
        records=_records(_passages(subject="vehicle"), subject=Subject.VEHICLE),
    ),
    Figure(
        "turned_back",
        _("Turned back at checkpoints"),
        _("times"),
        lambda c: _shared(c).turned_back,
        records=_records(_passages(outcome="turned_back"), outcome=Outcome.TURNED_BACK),
    ),
    Figure(
        "referred",
        _("Referred for observation at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).referred,
        event=True,
        records=_records(_passages(outcome="referred"), outcome=Outcome.REFERRED),
    ),
]:
    register(replace(_figure, section=SECTION))
