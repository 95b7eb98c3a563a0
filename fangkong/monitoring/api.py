"""``/api/v1/cases``, ``/api/v1/checkins`` and ``/api/v1/alerts``: scoped, written through the
same services as the pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fangkong.accounts.models import Role, User
from fangkong.core import rows
from fangkong.core.api import FieldsBuiltOnce
from fangkong.core.http import AuthedAPIRequest
from fangkong.core.idempotency import IdempotentCreateMixin
from fangkong.core.lean import Lean, LeanCreateMixin, LeanLookup
from fangkong.monitoring import services
from fangkong.monitoring.forms import responsible_users
from fangkong.monitoring.models import (
    TEMPERATURE_MAX,
    TEMPERATURE_MIN,
    Alert,
    AlertAction,
    CheckIn,
    ObservationCase,
    Status,
)
from fangkong.registry.models import Resident


class _Scoped(serializers.PrimaryKeyRelatedField):
    def _user(self) -> User:
        return self.context["request"].user


class ScopedResidentField(_Scoped):
    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Resident.objects.for_user(self._user())


class ScopedCaseField(LeanLookup, _Scoped):
    def get_queryset(self):  # type: ignore[no-untyped-def]
        return ObservationCase.objects.for_user(self._user()).select_related(
            "resident__household__area", "policy"
        )

    def lean_lookup(self, user: Any, data: Any) -> ObservationCase | None:
        pk = rows.pk_of(self, data)
        return services.case_in_scope(user, pk) if pk is not None else None

    def to_internal_value(self, data: Any) -> ObservationCase:
        """The case in the caller's scope, by one hand-written query (issue 19): the case, its
        area (the household's, kept on the case) and the resident's name; the policy from the
        per-process copy. Any other id is answered as if it did not exist."""
        case = self.lean_lookup(self._user(), data)
        if case is None:
            self.fail("does_not_exist", pk_value=data)
        return case


class GridWorkerField(_Scoped):
    def get_queryset(self):  # type: ignore[no-untyped-def]
        return responsible_users(self._user(), Role.GRID_WORKER)


class DoctorField(_Scoped):
    def get_queryset(self):  # type: ignore[no-untyped-def]
        return responsible_users(self._user(), Role.DOCTOR)


class CaseSerializer(serializers.ModelSerializer):
    resident = ScopedResidentField()
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    area = serializers.CharField(source="resident.household.area.name", read_only=True)
    grid_worker = GridWorkerField(required=False, allow_null=True)
    doctor = DoctorField(required=False, allow_null=True)
    proposed = serializers.BooleanField(write_only=True, default=False)

    class Meta:
        model = ObservationCase
        fields = [
            "id",
            "resident",
            "resident_name",
            "area",
            "category",
            "mode",
            "site_name",
            "start_date",
            "planned_end",
            "period_days",
            "ended_on",
            "status",
            "grid_worker",
            "doctor",
            "source",
            "source_ref",
            "proposed",
        ]
        read_only_fields = ["planned_end", "period_days", "ended_on", "status"]
        # what the service needs to open a case: a missing one is a 400 by field, not a 500
        extra_kwargs = {f: {"required": True} for f in ("category", "mode", "start_date")}

    def create(self, validated_data: dict[str, Any]) -> ObservationCase:
        return services.case_open(by=self.context["request"].user, **validated_data)


class CheckInSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    case = ScopedCaseField()
    resident_name = serializers.CharField(source="case.resident.name", read_only=True)
    temperature = serializers.DecimalField(
        max_digits=3, decimal_places=1, min_value=TEMPERATURE_MIN, max_value=TEMPERATURE_MAX
    )
    slot = serializers.ChoiceField(choices=[1, 2])
    fever = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "case",
            "resident_name",
            "date",
            "slot",
            "temperature",
            "symptoms",
            "source",
            "at",
            "fever",
        ]
        read_only_fields = ["source", "at"]

    def get_fever(self, obj: CheckIn) -> bool:
        return bool(obj.temperature >= obj.case.policy.fever_threshold)

    def create(self, validated_data: dict[str, Any]) -> CheckIn:
        return _record(self.context["request"].user, validated_data)


def _record(user: Any, validated_data: dict[str, Any]) -> CheckIn:
    """The serializer's validated data to the service (the serializer and the lean path)."""
    return services.checkin_record(
        case=validated_data["case"],
        by=user,
        temperature=Decimal(validated_data["temperature"]),
        day=validated_data["date"],
        slot=int(validated_data["slot"]),
        symptoms=validated_data.get("symptoms", ""),
    )


class AlertSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="case.resident.name", read_only=True)
    temperature = serializers.DecimalField(
        source="checkin.temperature",
        max_digits=3,
        decimal_places=1,
        read_only=True,
        allow_null=True,
    )
    is_open = serializers.BooleanField(read_only=True)
    # "" while the alert is open: the schema says so (a read-only field loses allow_blank)
    action = serializers.ChoiceField(choices=AlertAction.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "case",
            "resident_name",
            "kind",
            "date",
            "slot",
            "temperature",
            "raised_at",
            "is_open",
            "action",
            "note",
            "handled_at",
        ]
        read_only_fields = fields


class AlertHandleSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AlertAction.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CaseEndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    transferred = serializers.BooleanField(required=False, default=False)


class CaseUndoSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Observation cases in the caller's scope. ``?status=`` filters (default: all)."""

    serializer_class = CaseSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        cases = ObservationCase.objects.for_user(self.request.user).select_related(  # type: ignore[arg-type]
            "resident__household__area"
        )
        status = self.request.query_params.get("status", "")
        if status:
            cases = cases.filter(status=status) if status in Status.values else cases.none()
        return cases.order_by("pk")

    def _change(self, request: AuthedAPIRequest, serializer_class: Any, service: Any) -> Response:
        case = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = service(by=request.user, case=case, **serializer.validated_data)
        return Response(CaseSerializer(changed, context={"request": request}).data)

    @extend_schema(request=CaseEndSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=CaseEndSerializer)
    def end(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        """End early, with the reason: a doctor, a cadre and above (like a release)."""
        return self._change(request, CaseEndSerializer, services.case_end_early)

    @extend_schema(request=CaseUndoSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="undo-end", serializer_class=CaseUndoSerializer)
    def undo_end(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        """Undo a mistaken end or release within the county's time: the same case again."""
        return self._change(request, CaseUndoSerializer, services.case_end_undo)


class CheckInViewSet(
    mixins.ListModelMixin,
    IdempotentCreateMixin,
    LeanCreateMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Temperatures in the caller's scope; a fever raises an alert. ``?case=`` filters."""

    serializer_class = CheckInSerializer
    lean = Lean(CheckInSerializer)  # the POST (issue 19)

    def lean_save(self, request: Any, attrs: dict[str, Any]) -> CheckIn:
        return _record(request.user, attrs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        checkins = CheckIn.objects.for_user(self.request.user).select_related(  # type: ignore[arg-type]
            "case__resident", "case__policy"
        )
        if case := self.request.query_params.get("case", ""):
            checkins = checkins.filter(case_id=int(case)) if case.isdigit() else checkins.none()
        return checkins.order_by("-date", "-slot", "-pk")


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Alerts in the caller's scope; ``?open=1`` for the ones still to handle."""

    serializer_class = AlertSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        alerts = Alert.objects.for_user(self.request.user).select_related(  # type: ignore[arg-type]
            "case__resident", "checkin"
        )
        if self.request.query_params.get("open") in {"1", "true"}:
            alerts = alerts.open()
        return alerts.order_by("-raised_at", "-pk")

    @extend_schema(request=AlertHandleSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"], serializer_class=AlertHandleSerializer)
    def handle(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        alert = self.get_object()
        serializer = AlertHandleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        handled = services.alert_handle(
            by=request.user,
            alert=alert,
            action=serializer.validated_data["action"],
            note=serializer.validated_data["note"],
        )
        return Response(AlertSerializer(handled, context={"request": request}).data)
