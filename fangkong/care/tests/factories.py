from __future__ import annotations

from fangkong.care import services
from fangkong.care.models import Errand
from fangkong.registry.tests.factories import HouseholdFactory


def errand_in(area, *, by, kind: str = "medicine", details: str = "降压药两盒", **kwargs) -> Errand:
    """An errand asked on the phone by a household of ``area``."""
    household = kwargs.pop("household", None) or HouseholdFactory(area=area)
    return services.errand_request(
        by=by, household=household, kind=kind, details=details, source="phone", **kwargs
    )
