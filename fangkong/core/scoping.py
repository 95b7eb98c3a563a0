"""Habit 1 in one place: a QuerySet of personal data answers ``for_user`` with the user's area.

Each model says how its rows belong to an area (``in_area``); who may see what is decided here,
once, for pages, API, exports and commands alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models

if TYPE_CHECKING:
    from fangkong.areas.models import Area

_M = TypeVar("_M", bound=models.Model)


class AreaScopedQuerySet(models.QuerySet[_M]):
    def for_user(self, user: Any) -> Self:
        """The rows in the subtree of the user's area; nothing for anonymous or area-less users."""
        area = getattr(user, "area", None)
        if not getattr(user, "is_authenticated", False) or area is None:
            return self.none()
        return self.in_area(area)

    def in_area(self, area: Area) -> Self:
        raise NotImplementedError

    def under(self, area: Area, path_lookup: str) -> Self:
        """Rows of the area's county whose ``path_lookup`` (an area path) starts with the area's.

        For the county itself the tenant key alone says it (every row carries its county, kept
        in step when a household moves), so the joins up to the area table are left out: a county
        roll-up over a million residents counts by one indexed column."""
        rows = self.filter(county_id=area.county_id)
        if area.pk == area.county_id:
            return rows
        return rows.filter(**{f"{path_lookup}__startswith": area.path})


class AreaFieldQuerySet(AreaScopedQuerySet[_M]):
    """Rows that name their area in an ``area`` field (and carry ``county``, the tenant key)."""

    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, area__path__startswith=area.path)
