"""Did a journey pass through a risk area while it was one?"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from fangkong.accounts.caching import ProcessCache
from fangkong.screening.models import RiskArea, RiskLevel
from fangkong.screening.places import Place, place_of, places_on_route

_PRECISION = {RiskLevel.COUNTY: 3, RiskLevel.CITY: 2, RiskLevel.PROVINCE: 1}


@dataclass(frozen=True)
class TravelAssessment:
    origin: Place
    risk_area: RiskArea | None

    @property
    def via_risk_area(self) -> bool:
        return self.risk_area is not None


def _matches(place: Place, risk_area: RiskArea) -> bool:
    if risk_area.level == RiskLevel.PROVINCE:
        return place.province_code == risk_area.code
    if risk_area.level == RiskLevel.CITY:
        return place.city_code == risk_area.code
    return place.county_code == risk_area.code


def risk_area_of(
    places: Iterable[Place], day: dt.date, risk_areas: Iterable[RiskArea]
) -> RiskArea | None:
    """The most precise risk area in force on ``day`` that one of the places lies in."""
    in_force = [
        r for r in risk_areas if r.valid_from <= day and (r.valid_to is None or day <= r.valid_to)
    ]
    found = [r for place in places for r in in_force if _matches(place, r)]
    if not found:
        return None
    return max(found, key=lambda r: _PRECISION[RiskLevel(r.level)])


def travel_assess(
    *,
    travel_from: str,
    route: str = "",
    returned_on: dt.date | None,
    visited_on: dt.date,
    risk_areas: Iterable[RiskArea] | None = None,
) -> TravelAssessment:
    """Where someone came from and the risk area, if any, they were in or passed through.

    The day that counts is the day they came back; when it is not known, the day of the visit
    (the latest they can have come back), so an unknown date never hides a risk area. Pass
    ``risk_areas`` to assess many people with one query."""
    origin = place_of(travel_from)
    if not travel_from.strip() and not route.strip():
        return TravelAssessment(origin=origin, risk_area=None)
    if risk_areas is None:
        risk_areas = risk_areas_all()
    places = [p for p in [origin, *places_on_route(route)] if p.recognised]
    day = returned_on or visited_on
    return TravelAssessment(origin=origin, risk_area=risk_area_of(places, day, list(risk_areas)))


# Per process (issue 19): every passage and every visit matched its places against all risk
# areas, read again each time. A change here empties the copy at once; the other processes read
# it again within ``caching.SECONDS``. The instances are shared: read them, never change them.
_risk_areas: ProcessCache[list[RiskArea]] = ProcessCache()
post_save.connect(_risk_areas.clear, sender=RiskArea, dispatch_uid="screening_risk_areas_cache")
post_delete.connect(
    _risk_areas.clear, sender=RiskArea, dispatch_uid="screening_risk_areas_cache_del"
)


def risk_areas_all() -> list[RiskArea]:
    """Every risk area (with its dates), as ``RiskArea.objects.all()``, from this process's copy."""
    return _risk_areas.get("all", lambda: list(RiskArea.objects.all()))
