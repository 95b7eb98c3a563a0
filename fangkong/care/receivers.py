"""Care follows the register: connected in ``CareConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from fangkong.care.models import CarePlan, CareVisit, Errand
from fangkong.registry.models import Household
from fangkong.registry.signals import household_county_changed


@receiver(household_county_changed, sender=Household, dispatch_uid="care_household_county")
def move_care_with_household(
    sender: type[Household], household: Household, old_county_id: int, new_county_id: int, **_: Any
) -> None:
    """A household moved to another county: its errands, its residents' care plans and their
    visits take the new county (the tenant key), in the register's transaction."""
    Errand.objects.filter(county_id=old_county_id, household_id=household.pk).update(
        county_id=new_county_id
    )
    plans = list(
        CarePlan.objects.filter(
            county_id=old_county_id, resident__household_id=household.pk
        ).values_list("pk", flat=True)
    )
    if plans:
        CareVisit.objects.filter(county_id=old_county_id, plan_id__in=plans).update(
            county_id=new_county_id
        )
        CarePlan.objects.filter(pk__in=plans).update(county_id=new_county_id)
