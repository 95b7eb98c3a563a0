"""API building blocks shared by every app: the scoped permission, scoped id fields, the phone
field and the exception handler that turns a service's refusal into a 400."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.lean import LeanLookup
from fangkong.core.rows import Scoped, pk_of
from fangkong.core.validators import validate_phone


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a Django ``ValidationError`` raised by a service (its "no, because")
    is a 400 with the messages by field, like a serializer's. Django's ``PermissionDenied`` and
    ``Http404`` are already DRF's 403 and 404. Services are called directly from serializers and
    views; no wrapper is needed around them."""
    # Imported here: rest_framework.views reads the settings that name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return drf_exception_handler(exc, context)


class ScopedPermission(BasePermission):
    """Authenticated users bound to an area; read-only roles may only read.

    Writes need the capability a view names in ``write_capability`` (a capability of the access
    table, ``accounts.access``), by default writing the register. Object scope is enforced by each
    view's ``get_queryset`` (``for_user``), so an object outside the user's area is a 404, never a
    403 that would confirm it exists. A view may name ``read_capability`` too (the register is not
    for every role).
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated or getattr(user, "area_id", None) is None:
            return False
        if request.method in SAFE_METHODS or getattr(view, "action", None) in getattr(
            view, "read_actions", ()
        ):  # a read sent by POST (a search by a full number, kept out of the access log)
            read = getattr(view, "read_capability", None)
            return read is None or bool(user.may(read))
        write: Any = getattr(view, "write_capability", None) or "register.write"
        return bool(user.may(write))


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id that must name a row the caller sees (``Model.objects.for_user``): any other id is
    answered as if it did not exist."""

    def __init__(self, model: Any, **kwargs: Any) -> None:
        self.scoped_model = model
        super().__init__(**kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return self.scoped_model.objects.for_user(self.context["request"].user)


class FastScopedField(LeanLookup, serializers.PrimaryKeyRelatedField):
    """A scoped id read by one hand-written query (``rows.Scoped``, issue 19) on a hot write
    path: the same rows as the field's ``get_queryset`` (kept for the schema and the browsable
    API), without compiling a SELECT on every request. Any other id does not exist."""

    lookup: Scoped[Any]

    def lean_lookup(self, user: Any, data: Any) -> Any:
        return self.lookup.get(user, pk_of(self, data))

    def to_internal_value(self, data: Any) -> Any:
        found = self.lean_lookup(self.context["request"].user, data)
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found


class PhoneField(serializers.CharField):
    """A phone number, normalised (mainland mobile or landline with its area code) or refused."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not value:
            return ""
        try:
            return validate_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    """What ``copy.copy`` makes of a field (the same class, a copy of its attributes), without
    its pickling protocol: several times faster, for the ~30 fields of a hot serializer."""
    new = object.__new__(type(field))
    new.__dict__.update(field.__dict__)
    return new


class FieldsBuiltOnce:
    """For a ModelSerializer on a hot path (issue 19): its fields are worked out from the model
    once per class, then copied for each serializer (DRF works them out again for every request:
    model introspection, labels, validators — several milliseconds a request), and so are its
    own validators (the model's unique constraints). Only for serializers whose fields do not
    depend on the request (no ``get_fields`` of their own)."""

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        # A plain field is bound to this serializer by attributes of its own: a shallow copy
        # will do. A nested serializer carries its own fields and context: a deep one.
        return {
            name: copy.deepcopy(field)
            if isinstance(field, serializers.BaseSerializer)
            else _shallow_copy(field)
            for name, field in built.items()
        }

    def get_validators(self) -> list[Any]:
        """The serializer's own validators (unique constraints of the model), worked out once per
        class too (DRF introspects the model's constraints again for every request)."""
        cls = type(self)
        built = cls.__dict__.get("_validators_built_once")
        if built is None:
            built = list(super().get_validators())  # type: ignore[misc]
            cls._validators_built_once = built  # type: ignore[attr-defined]
        return list(built)
