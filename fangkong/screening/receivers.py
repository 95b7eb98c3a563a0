"""Screening follows the register: connected in ``ScreeningConfig.ready``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, Subquery
from django.dispatch import receiver

from fangkong.registry.models import Household
from fangkong.registry.signals import places_changed
from fangkong.screening.models import HouseholdVisit


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
