"""The checkpoint figures in the report registry (imported by ``CheckpointsConfig.ready``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.figures import (
    DEFAULT_FEVER,
    THROUGH,
    CheckpointFigures,
    checkpoint_figures,
    checkpoint_figures_of,
)
from fangkong.checkpoints.models import Direction, Outcome, Passage, PassageOccupant, Subject
from fangkong.monitoring.models import ObservationPolicy
from fangkong.reports.figures import (
    PEOPLE,
    Areas,
    Figure,
    FigureContext,
    Records,
    Window,
    register,
    shared_below,
)

SECTION = _("Checkpoints")


def _shared(ctx: FigureContext) -> CheckpointFigures:
    return ctx.shared("checkpoints", lambda area, day: checkpoint_figures(area, day, ctx.window))


def _passages(**params: str):  # type: ignore[no-untyped-def]
    def link(ctx: FigureContext) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"day": ctx.day.isoformat(), **params}.items())
        return reverse("checkpoints:passage_list") + "?" + query

    return link


def _fever(ctx: FigureContext) -> Decimal:
    policy = ObservationPolicy.objects.in_force_on(ctx.day)
    return policy.fever_threshold if policy else DEFAULT_FEVER


def _people(page, who, *, per_passage: bool = False) -> Records:  # type: ignore[no-untyped-def]
    """The passages with someone the figure counts, counted person by person as the figure is:
    ``who(ctx, prefix)`` says who counts (``prefix`` "passage__" for an occupant's passage); a
    passage whose people are not listed one by one counts its ``people`` (or 1 when
    ``per_passage``, as fevers are counted)."""

    def rows(ctx: FigureContext) -> QuerySet:
        occupants = PassageOccupant.objects.filter(passage=OuterRef("pk")).filter(
            who(ctx, "passage__")
        )
        return (
            Passage.objects.in_area(ctx.area)
            .filter(ctx.during(at="at"))
            .filter(
                (Q(occupants_listed=False) & who(ctx, ""))
                | (Q(occupants_listed=True) & Exists(occupants))
            )
        )

    def measure(ctx: FigureContext, passages: QuerySet) -> int:
        unlisted = passages.filter(occupants_listed=False)
        counted = unlisted.count() if per_passage else unlisted.aggregate(n=Sum("people"))["n"] or 0
        listed = PassageOccupant.objects.filter(
            passage__in=passages.filter(occupants_listed=True).values("pk")
        ).filter(who(ctx, "passage__"))
        return int(counted) + listed.count()

    return Records(rows, "checkpoint__area__name", page=page, measure=measure)


def _through(direction: str = ""):  # type: ignore[no-untyped-def]
    def who(ctx: FigureContext, prefix: str) -> Q:
        q = Q(outcome__in=THROUGH)
        return q & Q(**{f"{prefix}direction": direction}) if direction else q

    return who


def _outcome(outcome: str):  # type: ignore[no-untyped-def]
    return lambda ctx, prefix: Q(outcome=outcome)


def _fevers(ctx: FigureContext, prefix: str) -> Q:
    return Q(temperature__gte=_fever(ctx))


def _risk_arrivals(ctx: FigureContext, prefix: str) -> Q:
    return Q(via_risk_area=True) & Q(**{f"{prefix}direction": Direction.IN})


def _vehicles(ctx: FigureContext) -> QuerySet:
    return Passage.objects.in_area(ctx.area).filter(ctx.during(at="at"), subject=Subject.VEHICLE)


for _figure in [
    Figure(
        "passages_people",
        _("People let through at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).people,
        records=_people(_passages(), _through()),
    ),
    Figure(
        "passages_people_in",
        _("People let in at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).people_in,
        records=_people(_passages(direction="in"), _through(Direction.IN)),
    ),
    Figure(
        "passages_people_out",
        _("People let out at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).people_out,
        records=_people(_passages(direction="out"), _through(Direction.OUT)),
    ),
    Figure(
        "passages_vehicles",
        _("Vehicles passing checkpoints"),
        _("vehicles"),
        lambda c: _shared(c).vehicles,
        records=Records(_vehicles, "checkpoint__area__name", page=_passages(subject="vehicle")),
    ),
    Figure(
        "turned_back",
        _("People turned back at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).turned_back,
        records=_people(_passages(outcome="turned_back"), _outcome(Outcome.TURNED_BACK)),
    ),
    Figure(
        "referred",
        _("Referred for observation at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).referred,
        event=True,
        records=_people(_passages(outcome="referred"), _outcome(Outcome.REFERRED)),
    ),
    Figure(
        "checkpoint_fevers",
        _("Fevers found at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).fevers,
        event=True,
        records=_people(_passages(fever="1"), _fevers, per_passage=True),
    ),
    Figure(
        "checkpoint_risk_arrivals",
        _("Arrivals from risk areas at checkpoints"),
        PEOPLE,
        lambda c: _shared(c).risk_arrivals,
        event=True,
        records=_people(_passages(risk="1", direction="in"), _risk_arrivals),
    ),
]:
    register(replace(_figure, section=SECTION))


# The same computations for a roll-up's area and every area below it at once (one grouped
# query each: ``figures.compute_below``).


@shared_below("checkpoints")
def _checkpoints_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    return dict(checkpoint_figures_of(areas, day, window))
