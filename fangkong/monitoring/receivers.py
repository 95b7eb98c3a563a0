"""Monitoring follows the register: connected in ``MonitoringConfig.ready``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.dispatch import receiver

from fangkong.monitoring.models import Alert, CaseEvent, CheckIn, ObservationCase
from fangkong.registry.models import Household, Resident
from fangkong.registry.signals import household_county_changed, places_changed


@receiver(household_county_changed, sender=Household, dispatch_uid="monitoring_household_county")
def move_cases_with_household(
    sender: type[Household], household: Household, old_county_id: int, new_county_id: int, **_: Any
) -> None:
    """A household moved to another county: its residents' cases, their history, check-ins and
    alerts take the new county too (the tenant key), in the register's transaction."""
    cases = list(
        ObservationCase.objects.filter(
            county_id=old_county_id, resident__household_id=household.pk
        ).values_list("pk", flat=True)
    )
    if not cases:
        return
    for model in (CaseEvent, CheckIn, Alert):
        model.objects.filter(county_id=old_county_id, case_id__in=cases).update(  # type: ignore[attr-defined]
            county_id=new_county_id
        )
    ObservationCase.objects.filter(pk__in=cases).update(county_id=new_county_id)


@receiver(places_changed, dispatch_uid="monitoring_places_changed")
def follow_household_area(
    sender: object,
    households: Sequence[int] = (),
    residents: Sequence[int] = (),
    **_: Any,
) -> None:
    """Households moved to another area, or residents to another household: their cases take the
    household's area again (the area the figures and the dashboard count them in)."""
    which = Q(pk__in=[])
    if households:
        which |= Q(resident__household_id__in=list(households))
    if residents:
        which |= Q(resident_id__in=list(residents))
    ObservationCase.objects.filter(which).update(
        area_id=Subquery(
            Resident.objects.filter(pk=OuterRef("resident_id")).values("household__area_id")[:1]
        )
    )
