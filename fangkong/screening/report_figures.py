"""Screening's figures in the daily report: households in the register, households screened,
the coverage, and people with travel through a risk area. Registered in ``ScreeningConfig.ready``
(before monitoring's: the village daily report starts with them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.registry.models import Household
from fangkong.reports.figures import (
    HOUSEHOLDS,
    PEOPLE,
    Areas,
    Figure,
    FigureContext,
    Records,
    Window,
    percent,
    register,
    shared_below,
)
from fangkong.screening import figures
from fangkong.screening.models import HouseholdVisit, PersonCheck, ScreeningRound, VisitOutcome

SCREENING = _("Screening")


def _households(ctx: FigureContext) -> int:
    return ctx.shared("households", lambda area, day: Household.objects.in_area(area).count())


def _screened(ctx: FigureContext) -> int:
    return ctx.shared("households_screened", figures.households_screened)


def _travellers(ctx: FigureContext) -> int:
    return ctx.shared("risk_area_travellers", figures.risk_area_travellers)


# The same computations for a roll-up's area and every area below it at once (one grouped
# query each: ``figures.compute_below``).


def _households_counts(areas: Areas, day: dt.date) -> dict[int, dict]:
    """Households in the register and those screened by ``day`` (``Household.screened_on``,
    the first day a visit of the county's screening found someone, kept by the visits: the
    same households as the visits' count, which a test holds), of each of ``areas``: one pass
    over the households' (county, area, screened_on) index."""
    return areas.once(
        "households",
        lambda: areas.aggregate(
            areas.placed(Household.objects.all(), "area"),
            "area",
            # COUNT(*) and screened_on alone: the (county, area, screened_on) index covers it.
            n=Count("*"),
            screened=Count("screened_on", filter=Q(screened_on__lte=day)),
        ),
    )


@shared_below("households")
def _households_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    return {key: v["n"] for key, v in _households_counts(areas, day).items()}


@shared_below("households_screened")
def _screened_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    return {key: v["screened"] for key, v in _households_counts(areas, day).items()}


@shared_below("risk_area_travellers")
def _travellers_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    """Each person once in each area: the distinct (area, person) pairs read once (one join of
    the checks to their visits), counted per area here."""
    pairs = (
        areas.placed(PersonCheck.objects.travelled(), "visit__area")
        .filter(via_risk_area=True, visit__visited_on__lte=day)
        # The visit's county too (the check's own): its (county, area, visited_on) index then
        # gives the visits of the roll-up's areas alone, not every visit of the county.
        .filter(visit__county_id=areas.area.county_id)
        .order_by()
        .values_list("visit__area_id", "person_key")
        .distinct()
    )
    people = areas.split((area_id, person) for area_id, person in pairs)
    return {key: len(set(found)) for key, found in people.items()}


def _latest_round(ctx: FigureContext) -> ScreeningRound | None:
    """The latest screening round over this area (or an area above it): the link target."""

    def latest(area, day):  # type: ignore[no-untyped-def]
        parts = area.path.strip("/").split("/")
        prefixes = ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
        return (
            ScreeningRound.objects.filter(county_id=area.county_id, area__path__in=prefixes)
            .filter(started_on__lte=day)
            .order_by("-started_on", "-pk")
            .first()
        )

    return ctx.shared("screening_round", latest)


def _round(ctx: FigureContext) -> str:
    screening_round = _latest_round(ctx)
    if screening_round is None:
        return reverse("screening:round_list")
    return reverse("screening:round_detail", args=[screening_round.pk]) + f"?area={ctx.area.pk}"


def _household_rows(c: FigureContext) -> QuerySet:
    return Household.objects.in_area(c.area)


def _screened_rows(c: FigureContext) -> QuerySet:
    """Households with someone found at home or on the phone by that day, in any round."""
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


for _figure in [
    Figure(
        "households",
        _("Households in the register"),
        HOUSEHOLDS,
        _households,
        records=Records(_household_rows, "area__name"),
    ),
    Figure(
        "households_screened",
        _("Households screened"),
        HOUSEHOLDS,
        _screened,
        records=Records(_screened_rows, "area__name", page=_round),
    ),
    Figure(
        "screening_coverage",
        _("Screening coverage"),
        "%",
        lambda c: percent(_screened(c), _households(c)),
        ratio_of=("households_screened", "households"),
        link=_round,
    ),
    Figure(
        "risk_area_travel",
        _("People with travel to a risk area"),
        PEOPLE,
        _travellers,
        records=Records(_traveller_rows, "visit__household__area__name", page=_round),
    ),
]:
    register(replace(_figure, section=SCREENING))
