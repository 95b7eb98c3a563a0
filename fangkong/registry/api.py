"""``/api/v1/households`` and ``/api/v1/residents``: scoped, masked, written through the services."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, parsers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.accounts.access import Cap
from fangkong.areas.models import Area
from fangkong.core.api import PhoneField, ScopedPrimaryKeyField
from fangkong.core.audit import client_ip
from fangkong.core.http import AuthedAPIRequest
from fangkong.core.validators import normalise_text, validate_id_number
from fangkong.registry import services
from fangkong.registry.importing import SheetError, residents_import
from fangkong.registry.models import (
    GB11643_ID_TYPES,
    RESIDENT_FIELDS,
    Household,
    IdType,
    ImportProfile,
    Resident,
    id_index,
    phone_index,
)


class HouseholdSerializer(serializers.ModelSerializer):
    area = ScopedPrimaryKeyField(Area)
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
        return services.household_create(by=self.context["request"].user, **validated_data)

    def update(self, instance: Household, validated_data: dict[str, Any]) -> Household:
        validated_data.setdefault("area", instance.area)
        return services.household_update(
            by=self.context["request"].user,
            household=instance,
            **validated_data,
        )


class ResidentSerializer(serializers.ModelSerializer):
    household = ScopedPrimaryKeyField(Household)
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True)
    id_masked = serializers.CharField(read_only=True)
    phone = PhoneField(write_only=True, required=False, allow_blank=True)
    phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "household",
            *RESIDENT_FIELDS,
            "id_masked",
            "phone_masked",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        id_type = attrs.get("id_type", getattr(self.instance, "id_type", IdType.RESIDENT_ID))
        if "id_number" in attrs or self.instance is None:
            raw = attrs.get("id_number", "")
            if id_type in GB11643_ID_TYPES:
                try:
                    attrs["id_number"] = validate_id_number(raw)
                except DjangoValidationError as error:
                    raise ValidationError({"id_number": error.messages}) from error
            else:
                attrs["id_number"] = normalise_text(raw)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Resident:
        return services.resident_create(by=self.context["request"].user, **validated_data)

    def update(self, instance: Resident, validated_data: dict[str, Any]) -> Resident:
        validated_data.pop("household", None)
        return services.resident_update(
            by=self.context["request"].user,
            resident=instance,
            **validated_data,
        )


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, help_text="Name, address, or a full ID/phone number.")


_FULL_NUMBER = re.compile(r"\d{11,}|\d{17}[\dXx]")


def refuse_full_number_in_url(query: str) -> None:
    """A full ID or phone number in a query string ends up in access logs and browser history."""
    if _FULL_NUMBER.search(re.sub(r"[\s\-+]", "", query)):
        raise ValidationError(
            {
                "q": [
                    _(
                        "Full ID or phone numbers are not accepted in the URL (it is written to "
                        "access logs): send them in the body of POST %(path)s."
                    )
                    % {"path": "/api/v1/households/search/"}
                ]
            }
        )


def _search_query(request: Request) -> str:
    form = SearchSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    return str(form.validated_data["q"]).strip()


class HouseholdViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Households in the caller's scope. ``?q=`` searches names, addresses and full ID/phone."""

    read_capability = Cap.REGISTER_READ

    serializer_class = HouseholdSerializer

    read_actions = ("search",)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        households = Household.objects.for_user(self.request.user)  # type: ignore[arg-type]
        if query := self.request.query_params.get("q", "").strip():
            refuse_full_number_in_url(query)
            households = households.search(query[:100])
        if area := self.request.query_params.get("area", ""):
            households = households.filter(area_id=area) if area.isdigit() else households.none()
        return households.with_member_count().order_by("pk")

    @extend_schema(request=SearchSerializer, responses=HouseholdSerializer(many=True))
    @action(detail=False, methods=["post"], serializer_class=SearchSerializer)
    def search(self, request: Request, **kwargs: Any) -> Response:
        """Households by name, address or a full ID/phone number sent in the body (never in the
        URL, which reaches access logs); paged like the list."""
        query = _search_query(request)
        households = (
            Household.objects.for_user(request.user)  # type: ignore[arg-type]
            .search(query)
            .with_member_count()
            .order_by("pk")
        )
        page = self.paginate_queryset(households)
        data = HouseholdSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)


class ResidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Residents in the caller's scope; ID and phone numbers are masked, written encrypted."""

    read_capability = Cap.REGISTER_READ

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

    read_actions = ("search",)

    @extend_schema(request=SearchSerializer, responses=ResidentSerializer(many=True))
    @action(detail=False, methods=["post"], serializer_class=SearchSerializer)
    def search(self, request: Request, **kwargs: Any) -> Response:
        """Residents by name or a full ID/phone number sent in the body (never in the URL)."""
        query = _search_query(request)
        residents = Resident.objects.for_user(request.user).select_related("household__area")  # type: ignore[arg-type]
        token = normalise_text(query)
        condition = Q(name__contains=query)
        if len(token) >= 11:
            condition |= Q(id_number_index=id_index(token)) | Q(
                phone_index=phone_index(token.removeprefix("+86"))
            )
        page = self.paginate_queryset(residents.filter(condition).order_by("pk"))
        data = ResidentSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    area = ScopedPrimaryKeyField(Area)
    dry_run = serializers.BooleanField(default=False)
    sheet = serializers.CharField(required=False, allow_blank=True, max_length=100)
    profile = serializers.CharField(required=False, allow_blank=True, max_length=50)


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = ImportErrorSerializer(many=True)  # type: ignore[assignment]
    warnings = ImportErrorSerializer(many=True)
    skipped = serializers.ListField(child=serializers.DictField())


class ImportView(generics.GenericAPIView):
    """Import a resident sheet (.xlsx/.xls/.csv) into an area: the same importer as the command
    line and the upload page. 200 when nothing was rejected, 422 when some rows were (the valid
    rows are imported), 400 when the file is unusable."""

    serializer_class = ImportRequestSerializer
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        responses={
            200: ImportResultSerializer,
            422: ImportResultSerializer,
            400: OpenApiResponse(description="unusable file or bad parameters"),
        }
    )
    def post(self, request: AuthedAPIRequest) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        area = serializer.validated_data["area"]
        columns, sheet = None, serializer.validated_data.get("sheet") or None
        if serializer.validated_data.get("profile"):
            profile = (
                ImportProfile.objects.for_area(area)
                .filter(name=serializer.validated_data["profile"])
                .first()
            )
            if profile is None:
                raise ValidationError({"profile": [_("No import profile by that name.")]})
            columns, sheet = dict(profile.columns), sheet or profile.sheet_name or None
        try:
            result = residents_import(
                source=upload,
                filename=upload.name,
                area=area,
                by=request.user,
                dry_run=serializer.validated_data["dry_run"],
                ip=client_ip(request),
                sheet_name=sheet,
                columns=columns,
            )
        except SheetError as error:
            raise ValidationError({"file": [str(error)]}) from error
        return Response(result.as_json(), status=422 if result.rejected else 200)
