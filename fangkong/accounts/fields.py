"""API field for choosing a person: a field worker around the caller's area (a serializer field;
the form field is ``accounts.forms.PersonField``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fangkong.accounts.forms import people_around
from fangkong.accounts.models import User


@extend_schema_field(OpenApiTypes.INT)
class PersonField(serializers.PrimaryKeyRelatedField):
    """A field worker who covers the caller's area or works inside it (the services check that
    the person covers the place of the work)."""

    def get_queryset(self):  # type: ignore[no-untyped-def]
        user = self.context["request"].user
        if getattr(user, "area", None) is None:
            return User.objects.none()
        return people_around(user.area)
