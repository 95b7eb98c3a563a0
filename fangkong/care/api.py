"""``/api/v1/errands`` and ``/api/v1/care-plans``: scoped with ``for_user``, written through the
same services as the pages (errands by every field worker, plans by the register's writers)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.accounts.access import Cap
from fangkong.accounts.fields import PersonField
from fangkong.care import figures, services
from fangkong.care.models import (
    OPEN_ERRAND_STATES,
    CarePlan,
    CareVisit,
    Errand,
    ErrandSource,
    ErrandStatus,
)
from fangkong.core.api import ScopedPrimaryKeyField
from fangkong.core.clock import today_local
from fangkong.core.forms import DayForm
from fangkong.core.http import AuthedAPIRequest
from fangkong.core.idempotency import IdempotentCreateMixin, idempotent
from fangkong.registry.models import Household, Resident


class ErrandSerializer(serializers.ModelSerializer):
    household = ScopedPrimaryKeyField(Household)
    household_head = serializers.CharField(source="household.head_name", read_only=True)
    area = serializers.CharField(source="household.area.name", read_only=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field named "source"
        choices=[ErrandSource.PHONE, ErrandSource.WORKER], default=ErrandSource.PHONE
    )
    assignee_name = serializers.SerializerMethodField()

    class Meta:
        model = Errand
        fields = [
            "id",
            "household",
            "household_head",
            "area",
            "kind",
            "details",
            "needed_by",
            "source",
            "status",
            "requested_at",
            "assignee",
            "assignee_name",
            "closed_on",
            "money_spent",
            "money_repaid",
            "note",
        ]
        read_only_fields = [
            "status",
            "requested_at",
            "assignee",
            "closed_on",
            "money_spent",
            "money_repaid",
            "note",
        ]

    def get_assignee_name(self, obj: Errand) -> str:
        return (obj.assignee.get_full_name() or obj.assignee.username) if obj.assignee else ""

    def create(self, validated_data: dict[str, Any]) -> Errand:
        return services.errand_request(by=self.context["request"].user, **validated_data)


class AssignSerializer(serializers.Serializer):
    assignee = PersonField()


class DoneSerializer(serializers.Serializer):
    money_spent = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        default=0,  # type: ignore[arg-type]
    )
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RepaySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)  # type: ignore[arg-type]


class TotalsRowSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label"
    done = serializers.IntegerField()
    money_spent = serializers.DecimalField(max_digits=14, decimal_places=2)
    money_repaid = serializers.DecimalField(max_digits=14, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2)


class TotalsSerializer(serializers.Serializer):
    date = serializers.DateField()
    villages = TotalsRowSerializer(many=True)
    people = TotalsRowSerializer(many=True)
    total = TotalsRowSerializer()


class ErrandViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Errands in the caller's scope; ``?status=open|requested|assigned|done|cancelled``.
    Created here when taken on the phone or at the door (the household's own link is a page)."""

    serializer_class = ErrandSerializer
    write_capability = Cap.CARE_WRITE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        errands = Errand.objects.for_user(self.request.user).select_related(  # type: ignore[arg-type]
            "household__area", "assignee"
        )
        status = self.request.query_params.get("status", "")
        if status == "open":
            errands = errands.filter(status__in=OPEN_ERRAND_STATES)
        elif status:
            errands = (
                errands.filter(status=status) if status in ErrandStatus.values else errands.none()
            )
        return errands.order_by("-requested_at", "-pk")

    def _do(self, request: Request, service: Any, serializer_class: Any = None) -> Response:
        errand = self.get_object()
        data: dict[str, Any] = {}
        if serializer_class is not None:
            serializer = serializer_class(data=request.data, context={"request": request})
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
        done = service(by=request.user, errand=errand, **data)
        return Response(ErrandSerializer(done, context={"request": request}).data)

    @extend_schema(request=None, responses=ErrandSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        return self._do(request, services.errand_take)

    @extend_schema(request=AssignSerializer, responses=ErrandSerializer)
    @action(detail=True, methods=["post"], serializer_class=AssignSerializer)
    def assign(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        def give(*, by: Any, errand: Errand, assignee: Any) -> Errand:
            return services.errand_assign(by=by, errand=errand, to=assignee)

        return self._do(request, give, AssignSerializer)

    @extend_schema(request=DoneSerializer, responses=ErrandSerializer)
    @action(detail=True, methods=["post"], serializer_class=DoneSerializer)
    @idempotent
    def done(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        return self._do(request, services.errand_done, DoneSerializer)

    @extend_schema(request=CancelSerializer, responses=ErrandSerializer)
    @action(detail=True, methods=["post"], serializer_class=CancelSerializer)
    def cancel(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        return self._do(request, services.errand_cancel, CancelSerializer)

    @extend_schema(request=RepaySerializer, responses=ErrandSerializer)
    @action(detail=True, methods=["post"], serializer_class=RepaySerializer)
    @idempotent
    def repay(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        return self._do(request, services.errand_repay, RepaySerializer)

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="up to (default today)")
        ],
        responses=TotalsSerializer,
    )
    @action(detail=False, methods=["get"])
    def totals(self, request: Request, **kwargs: Any) -> Response:
        """Errands done and money advanced up to a date, per village and per person."""
        day = DayForm(request.query_params).day(today_local())
        totals = figures.errand_totals(request.user.area, day)  # type: ignore[union-attr,arg-type]
        return Response(
            TotalsSerializer(
                {
                    "date": day,
                    "villages": totals.villages,
                    "people": totals.people,
                    "total": totals.total,
                }
            ).data
        )


class CareVisitSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = CareVisit
        fields = ["id", "date", "by", "note"]
        read_only_fields = ["by"]


class CarePlanSerializer(serializers.ModelSerializer):
    resident = ScopedPrimaryKeyField(Resident)
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    responsible = PersonField()
    visits = CareVisitSerializer(many=True, read_only=True)

    class Meta:
        model = CarePlan
        fields = [
            "id",
            "resident",
            "resident_name",
            "kind",
            "description",
            "every_days",
            "starts_on",
            "ends_on",
            "responsible",
            "visits",
        ]

    def create(self, validated_data: dict[str, Any]) -> CarePlan:
        return services.care_plan_create(by=self.context["request"].user, **validated_data)


class OverdueSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="plan.pk")
    resident_name = serializers.CharField(source="plan.resident.name")
    kind = serializers.CharField(source="plan.kind")
    responsible = serializers.CharField(source="plan.responsible.username")
    due = serializers.DateField()
    days = serializers.IntegerField()


class CarePlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Care plans of vulnerable residents in the caller's scope, with their visits."""

    serializer_class = CarePlanSerializer

    @property
    def write_capability(self) -> Cap:
        return Cap.CARE_WRITE if self.action == "visits" else Cap.CARE_MANAGE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            CarePlan.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .select_related("resident", "responsible")
            .prefetch_related("visits__by")
            .order_by("pk")
        )

    @extend_schema(request=CareVisitSerializer, responses=CareVisitSerializer)
    @action(detail=True, methods=["post"], serializer_class=CareVisitSerializer)
    def visits(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        plan = self.get_object()
        serializer = CareVisitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = services.care_visit_record(
            by=request.user,
            plan=plan,
            day=serializer.validated_data["date"],
            note=serializer.validated_data.get("note", ""),
        )
        return Response(CareVisitSerializer(visit).data, status=201)

    @extend_schema(responses=OverdueSerializer(many=True))
    @action(detail=False, methods=["get"])
    def overdue(self, request: Request, **kwargs: Any) -> Response:
        """Visits past due today, most overdue first, by name."""
        rows = figures.overdue_visits(request.user.area, today_local())  # type: ignore[union-attr,arg-type]
        return Response(OverdueSerializer(rows, many=True).data)
