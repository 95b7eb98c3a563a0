"""Passes follow their household: connected in ``CheckpointsConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from fangkong.checkpoints.models import HouseholdPass
from fangkong.registry.models import Household
from fangkong.registry.signals import household_county_changed


@receiver(household_county_changed, sender=Household, dispatch_uid="checkpoints_household_county")
def move_passes_with_household(
    sender: type[Household], household: Household, old_county_id: int, new_county_id: int, **_: Any
) -> None:
    """A household moved to another county: its passes take the new county (the tenant key)."""
    HouseholdPass.objects.filter(county_id=old_county_id, household_id=household.pk).update(
        county_id=new_county_id
    )
