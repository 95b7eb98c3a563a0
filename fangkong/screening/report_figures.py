"""Screening's figures in the daily report: households in the register, households screened,
the coverage, and people with travel through a risk area. Registered in ``ScreeningConfig.ready``
(before monitoring's: the village daily report starts with them)."""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.registry.models import Household
from fangkong.reports.figures import HOUSEHOLDS, PEOPLE, Figure, FigureContext, percent, register
from fangkong.screening import figures
from fangkong.screening.models import ScreeningRound

SCREENING = _("Screening")


def _households(ctx: FigureContext) -> int:
    return ctx.shared("households", lambda area, day: Household.objects.in_area(area).count())


def _screened(ctx: FigureContext) -> int:
    return ctx.shared("households_screened", figures.households_screened)


def _travellers(ctx: FigureContext) -> int:
    return ctx.shared("risk_area_travellers", figures.risk_area_travellers)


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


for _figure in [
    Figure("households", _("Households in the register"), HOUSEHOLDS, _households),
    Figure(
        "households_screened",
        _("Households screened"),
        HOUSEHOLDS,
        _screened,
        link=_round,
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
        link=_round,
    ),
]:
    register(replace(_figure, section=SCREENING))
