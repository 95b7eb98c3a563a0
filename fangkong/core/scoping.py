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
