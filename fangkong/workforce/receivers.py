"""Workforce follows the register: connected in ``WorkforceConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from fangkong.registry.models import Household
from fangkong.registry.signals import household_county_changed
from fangkong.workforce.models import HouseholdContact


@receiver(household_county_changed, sender=Household, dispatch_uid="workforce_household_county")
def end_contacts_of_a_household_gone(
    sender: type[Household], household: Household, old_county_id: int, new_county_id: int, **_: Any
) -> None:
    """A household moved to another county: its contact with the old county's worker (联户) ends,
    since workers serve in their own county; the new county assigns its own."""
    HouseholdContact.objects.filter(county_id=old_county_id, household_id=household.pk).delete()
