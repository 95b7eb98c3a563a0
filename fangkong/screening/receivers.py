"""Screening follows the register: connected in ``ScreeningConfig.ready``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, Subquery
from django.dispatch import receiver

from fangkong.registry.models import Household
from fangkong.registry.signals import household_county_changed, places_changed
from fangkong.screening.models import HouseholdVisit, screened_on


@receiver(places_changed, dispatch_uid="screening_places_changed")
def follow_household_area(sender: object, households: Sequence[int] = (), **_: Any) -> None:
    """Households moved to another area: their visits take the household's area again (where
    coverage and the dashboard count them). A resident changing household moves no visit."""
    if not households:
        return
    HouseholdVisit.objects.filter(household_id__in=list(households)).update(
        area_id=Subquery(
            Household.objects.filter(pk=OuterRef("household_id")).values("area_id")[:1]
        )
    )


@receiver(household_county_changed, sender=Household, dispatch_uid="screening_household_county")
def screened_in_the_new_county(
    sender: type[Household], household: Household, new_county_id: int, **_: Any
) -> None:
    """A household taken in by another county: its visits stay with the rounds of the county
    that made them, so it counts as screened in the new county only once that county's
    screening finds someone (``Household.screened_on`` from the new county's visits)."""
    Household.objects.filter(pk=household.pk).update(
        screened_on=screened_on(household.pk, new_county_id)
    )
