"""API building blocks shared by every app: the scoped permission."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class ScopedPermission(BasePermission):
    """Authenticated users bound to an area; read-only roles may only read.

    Object scope is enforced by each view's ``get_queryset`` (``for_user``), so an object outside
    the user's area is a 404, never a 403 that would confirm it exists.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated or getattr(user, "area_id", None) is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        return bool(getattr(user, "can_write_register", False))
