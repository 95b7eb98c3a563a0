"""``/api/v1/checkpoints``, ``/api/v1/passages`` and ``/api/v1/passes``: scoped, written through
the same services as the pages. Checkpoint staff may write passages and scans."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.accounts.access import Cap
from fangkong.checkpoints import services
from fangkong.checkpoints.models import (
    Checkpoint,
    Direction,
    HouseholdPass,
    Outcome,
    Passage,
    PassageOccupant,
    Subject,
    VehicleType,
)
from fangkong.core.api import FastScopedField, FieldsBuiltOnce
from fangkong.core.http import AuthedAPIRequest
from fangkong.core.idempotency import idempotent
from fangkong.core.lean import Lean, LeanCreateMixin
from fangkong.core.rows import Scoped


class CheckpointSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    hours = serializers.CharField(read_only=True)

    class Meta:
        model = Checkpoint
        fields = [
            "id",
            "name",
            "kind",
            "area",
            "area_name",
            "opens_at",
            "closes_at",
            "hours",
            "active",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class ScopedCheckpointField(FastScopedField):
    # with its area (the service's scope check reads it), by one hand-written query (issue 19)
    lookup = Scoped(Checkpoint, "JOIN areas_area a ON a.id = m.area_id", area_attr="area")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Checkpoint.objects.for_user(self.context["request"].user).select_related("area")


class OccupantSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """One person in a vehicle: ID and phone written in full, read back masked."""

    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
    phone_masked = serializers.CharField(read_only=True)
    id_masked = serializers.CharField(read_only=True)
    temperature = serializers.DecimalField(
        max_digits=3, decimal_places=1, required=False, allow_null=True, default=None
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, required=False, allow_blank=True, default=""
    )

    class Meta:
        model = PassageOccupant
        fields = [
            "position",
            "name",
            "phone",
            "phone_masked",
            "id_number",
            "id_masked",
            "travel_from",
            "via_risk_area",
            "destination",
            "temperature",
            "outcome",
            "case",
        ]
        read_only_fields = ["position", "via_risk_area", "case"]
        extra_kwargs = {"travel_from": {"required": False}, "destination": {"required": False}}


class PassageSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    checkpoint = ScopedCheckpointField()
    occupants = OccupantSerializer(many=True, required=False, default=list)
    notes = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    repeated = serializers.SerializerMethodField()
    direction = serializers.ChoiceField(choices=Direction.choices)
    subject = serializers.ChoiceField(choices=Subject.choices, default=Subject.PERSON)
    vehicle_type = serializers.ChoiceField(
        choices=VehicleType.choices, required=False, allow_blank=True, default=""
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
    phone_masked = serializers.CharField(read_only=True)
    id_masked = serializers.CharField(read_only=True)
    temperature = serializers.DecimalField(
        max_digits=3, decimal_places=1, required=False, allow_null=True, default=None
    )

    class Meta:
        model = Passage
        fields = [
            "id",
            "checkpoint",
            "at",
            "day",
            "direction",
            "subject",
            "plate",
            "vehicle_type",
            "people",
            "name",
            "phone",
            "phone_masked",
            "id_number",
            "id_masked",
            "travel_from",
            "origin_name",
            "via_risk_area",
            "destination",
            "purpose",
            "temperature",
            "outcome",
            "source",
            "household_pass",
            "case",
            "notes",
            "occupants",
            "repeated",
        ]
        read_only_fields = [
            "at",
            "day",
            "origin_name",
            "via_risk_area",
            "source",
            "household_pass",
            "case",
        ]

    def get_repeated(self, passage: Passage) -> bool:
        """True when this POST repeated a registration made moments before (nothing written)."""
        return bool(getattr(passage, "repeated", False))

    def to_representation(self, instance: Passage) -> dict[str, Any]:
        return _masked_notes(super().to_representation(instance), instance)

    def create(self, validated_data: dict[str, Any]) -> Passage:
        return _register(self.context["request"].user, validated_data)


def _masked_notes(data: dict[str, Any], passage: Passage) -> dict[str, Any]:
    data["notes"] = services.mask_free_text(data.get("notes") or "")  # older rows too
    return data


def _register(user: Any, validated_data: dict[str, Any]) -> Passage:
    """The serializer's validated data to the service (the serializer and the lean path)."""
    data = dict(validated_data)
    checkpoint = data.pop("checkpoint")
    outcome = data.pop("outcome")
    temperature = data.pop("temperature", None)
    occupants = [services.OccupantDetails(**o) for o in data.pop("occupants", [])]
    details = services.PassageDetails(**data, occupants=occupants)
    return services.passage_register(
        by=user,
        checkpoint=checkpoint,
        details=details,
        outcome=outcome,
        temperature=temperature,
    )


class PassSerializer(serializers.ModelSerializer):
    household_head = serializers.CharField(source="household.head_name", read_only=True)
    rule = serializers.CharField(source="rule_text", read_only=True)
    revoked = serializers.BooleanField(source="is_revoked", read_only=True)

    class Meta:
        model = HouseholdPass
        fields = [
            "id",
            "number",
            "household",
            "household_head",
            "holders",
            "valid_from",
            "valid_until",
            "uses_allowed",
            "every_days",
            "rule",
            "revoked",
        ]
        read_only_fields = fields


class ScanSerializer(serializers.Serializer):
    checkpoint = ScopedCheckpointField()
    code = serializers.CharField(max_length=200)
    direction = serializers.ChoiceField(choices=Direction.choices)


class VerifySerializer(serializers.Serializer):
    checkpoint = ScopedCheckpointField()
    code = serializers.CharField(max_length=200)


class PassVerificationSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    problem = serializers.CharField(allow_blank=True)
    village = serializers.CharField()
    household_head = serializers.CharField(help_text="The surname only: 王某.")
    valid_until = serializers.DateField()
    rule = serializers.CharField(allow_blank=True)
    home = serializers.BooleanField(help_text="True at one of the pass's own checkpoints.")


class CheckpointViewSet(viewsets.ReadOnlyModelViewSet):
    """Checkpoints in the caller's scope."""

    serializer_class = CheckpointSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            Checkpoint.objects.for_user(self.request.user).select_related("area").order_by("pk")  # type: ignore[arg-type]
        )


class PassageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    LeanCreateMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Passages in the caller's scope (``?day=``, ``?checkpoint=``); a POST registers one."""

    serializer_class = PassageSerializer
    write_capability = Cap.CHECKPOINTS_WRITE
    lean = Lean(PassageSerializer, finish=_masked_notes)  # the POST (issue 19)

    def lean_save(self, request: Any, attrs: dict[str, Any]) -> Passage:
        return _register(request.user, attrs)

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        if response.data.get("repeated"):
            response.status_code = 200  # the same crossing sent again: nothing new was made
        return response

    def get_queryset(self):  # type: ignore[no-untyped-def]
        passages = (
            Passage.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .prefetch_related("occupants")
            .order_by("-at", "-pk")
        )
        if day := self.request.query_params.get("day", ""):
            passages = passages.filter(day=day) if len(day) == 10 else passages.none()
        if (checkpoint := self.request.query_params.get("checkpoint", "")).isdigit():
            passages = passages.filter(checkpoint_id=int(checkpoint))
        return passages


class PassViewSet(viewsets.ReadOnlyModelViewSet):
    """Household passes in the caller's scope; ``scan/`` checks one and records its use."""

    serializer_class = PassSerializer
    write_capability = Cap.CHECKPOINTS_WRITE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            HouseholdPass.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .select_related("household")
            .prefetch_related("holders")
            .order_by("-pk")
        )

    @extend_schema(request=ScanSerializer, responses=PassageSerializer)
    @action(detail=False, methods=["post"], serializer_class=ScanSerializer)
    @idempotent
    def scan(self, request: AuthedAPIRequest, **kwargs: Any) -> Response:
        serializer = ScanSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        passage = services.pass_scan(by=request.user, **serializer.validated_data)
        return Response(PassageSerializer(passage, context={"request": request}).data, status=201)

    @extend_schema(request=VerifySerializer, responses=PassVerificationSerializer)
    @action(detail=False, methods=["post"], serializer_class=VerifySerializer)
    def verify(self, request: AuthedAPIRequest, **kwargs: Any) -> Response:
        """Checks a pass at one of the caller's checkpoints without using it: how a checkpoint
        outside the pass's village reads it (by its QR code; the head's surname only)."""
        serializer = VerifySerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        verification = services.pass_verify(by=request.user, **serializer.validated_data)
        return Response(PassVerificationSerializer(verification).data)
