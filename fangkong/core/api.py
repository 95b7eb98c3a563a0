"""API building blocks shared by every app: the scoped permission and scoped id fields."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class ScopedPermission(BasePermission):
    """Authenticated users bound to an area; read-only roles may only read.

    Writes are for the register's writers, or for the roles a view names in ``writer_roles``
    (e.g. checkpoint staff run errands and hand out supplies). Object scope is enforced by each view's ``get_queryset`` (``for_user``), so an object outside
    the user's area is a 404, never a 403 that would confirm it exists.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated or getattr(user, "area_id", None) is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        writer_roles = getattr(view, "writer_roles", None)
        if writer_roles is not None:
            return getattr(user, "role", None) in writer_roles
        return bool(getattr(user, "can_write_register", False))


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id that must name a row the caller sees (``Model.objects.for_user``): any other id is
    answered as if it did not exist."""

    def __init__(self, model: Any, **kwargs: Any) -> None:
        self.scoped_model = model
        super().__init__(**kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return self.scoped_model.objects.for_user(self.context["request"].user)
