"""``/api/v1/households`` and ``/api/v1/residents``: scoped, masked, written through the services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError

from fangkong.areas.models import Area
from fangkong.core.validators import normalise_text, validate_id_number, validate_phone
from fangkong.registry import services
from fangkong.registry.models import Household, IdType, Resident


def _call(service: Any, **kwargs: Any) -> Any:
    """Run a service and turn its Django errors into DRF responses (400/403)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as error:
        raise ValidationError(
            error.message_dict if hasattr(error, "error_dict") else error.messages
        ) from error
    except DjangoPermissionDenied as error:
        raise PermissionDenied from error


class PhoneField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not value:
            return ""
        try:
            return validate_phone(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class ScopedAreaField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Area.objects.for_user(self.context["request"].user)


class ScopedHouseholdField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Household.objects.for_user(self.context["request"].user)


class HouseholdSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    phone = PhoneField(write_only=True, required=False, allow_blank=True)
    phone_masked = serializers.CharField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "area",
            "number",
            "address",
            "head_name",
            "phone",
            "phone_masked",
            "member_count",
            "notes",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def create(self, validated_data: dict[str, Any]) -> Household:
        return _call(services.household_create, by=self.context["request"].user, **validated_data)

    def update(self, instance: Household, validated_data: dict[str, Any]) -> Household:
        validated_data.setdefault("area", instance.area)
        return _call(
            services.household_update,
            by=self.context["request"].user,
            household=instance,
            **validated_data,
        )


class ResidentSerializer(serializers.ModelSerializer):
    household = ScopedHouseholdField()
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True)
    id_masked = serializers.CharField(read_only=True)
    phone = PhoneField(write_only=True, required=False, allow_blank=True)
    phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "household",
            "relationship",
            "name",
            "id_type",
            "id_number",
            "id_masked",
            "sex",
            "birth_date",
            "phone",
            "phone_masked",
            "residence_status",
            "low_income",
            "elderly_alone",
            "chronic_illness",
            "pregnant",
            "disabled",
            "notes",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        id_type = attrs.get("id_type", getattr(self.instance, "id_type", IdType.RESIDENT_ID))
        if "id_number" in attrs or self.instance is None:
            raw = attrs.get("id_number", "")
            if id_type == IdType.RESIDENT_ID:
                try:
                    attrs["id_number"] = validate_id_number(raw)
                except DjangoValidationError as error:
                    raise ValidationError({"id_number": error.messages}) from error
            else:
                attrs["id_number"] = normalise_text(raw)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Resident:
        return _call(services.resident_create, by=self.context["request"].user, **validated_data)

    def update(self, instance: Resident, validated_data: dict[str, Any]) -> Resident:
        validated_data.pop("household", None)
        return _call(
            services.resident_update,
            by=self.context["request"].user,
            resident=instance,
            **validated_data,
        )


class HouseholdViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Households in the caller's scope. ``?q=`` searches names, addresses and full ID/phone."""

    serializer_class = HouseholdSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        households = Household.objects.for_user(self.request.user)  # type: ignore[arg-type]
        if query := self.request.query_params.get("q", "").strip():
            households = households.search(query[:100])
        if area := self.request.query_params.get("area", ""):
            households = households.filter(area_id=area) if area.isdigit() else households.none()
        return households.with_member_count().order_by("pk")


class ResidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Residents in the caller's scope; ID and phone numbers are masked, written encrypted."""

    serializer_class = ResidentSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        residents = Resident.objects.for_user(self.request.user).select_related(  # type: ignore[arg-type]
            "household__area"
        )
        if household := self.request.query_params.get("household", ""):
            residents = (
                residents.filter(household_id=household)
                if household.isdigit()
                else residents.none()
            )
        return residents.order_by("pk")
