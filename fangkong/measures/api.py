"""``/api/v1/key-places`` (+ ``coverage``), ``/disinfections``, ``/gatherings`` (+ ``outcome``),
``/venues`` (+ ``check``), ``/publicity``, ``/inspections`` (+ ``findings``, ``accountability``)
and ``/findings`` (+ ``close``): scoped, written through the measures services."""

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
from fangkong.areas.models import Area
from fangkong.core.api import ScopedPrimaryKeyField
from fangkong.core.clock import today_local
from fangkong.core.forms import DayForm
from fangkong.core.http import AuthedAPIRequest
from fangkong.measures import figures, services
from fangkong.measures.models import (
    CHECKLIST_KEYS,
    Accountability,
    Disinfection,
    Finding,
    Gathering,
    GatheringOutcome,
    Inspection,
    KeyPlace,
    Publicity,
    Venue,
    VenueCheck,
    VenueStatus,
)
from fangkong.supplies.models import Item, Store


class _CreateThrough(serializers.ModelSerializer):
    """A serializer whose create calls ``service(by=caller, **data)``."""

    service: Any = None

    def create(self, validated_data: dict[str, Any]) -> Any:
        return type(self).service(by=self.context["request"].user, **validated_data)


class _Scoped(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    model: Any = None
    related: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ("-pk",)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            self.model.objects.for_user(self.request.user)
            .select_related(*self.related)
            .order_by(*self.ordering)
        )


def _respond(serializer_class: Any, obj: Any, request: Request, status: int = 200) -> Response:
    return Response(serializer_class(obj, context={"request": request}).data, status=status)


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- disinfection -----------------------------------------------------------------------------


class KeyPlaceSerializer(_CreateThrough):
    service = services.place_create
    area = ScopedPrimaryKeyField(Area)
    responsible = PersonField(required=False, allow_null=True, default=None)

    class Meta:
        model = KeyPlace
        fields = ["id", "area", "name", "kind", "responsible", "since", "until"]
        read_only_fields = ["until"]


class DisinfectionCoverageSerializer(serializers.Serializer):
    date = serializers.DateField()
    planned = serializers.IntegerField()
    done = serializers.IntegerField()
    percent = serializers.FloatField()
    not_done = KeyPlaceSerializer(many=True)


class KeyPlaceViewSet(_Scoped):
    """Key places on the daily disinfection plan; ``coverage/?date=`` lists those not done."""

    serializer_class = KeyPlaceSerializer
    write_capability = Cap.MEASURES_MANAGE
    model = KeyPlace
    related = ("area",)
    ordering = ("area__path", "name")

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE)],
        responses=DisinfectionCoverageSerializer,
    )
    @action(detail=False, methods=["get"])
    def coverage(self, request: Request, **kwargs: Any) -> Response:
        day = DayForm(request.query_params).day(today_local())
        cover = figures.disinfection_coverage(request.user.area, day)  # type: ignore[union-attr,arg-type]
        data = {
            "date": day,
            "planned": cover.planned,
            "done": cover.done,
            "percent": cover.percent,
            "not_done": cover.not_done,
        }
        return Response(DisinfectionCoverageSerializer(data, context={"request": request}).data)


class DisinfectionSerializer(serializers.ModelSerializer):
    place = ScopedPrimaryKeyField(KeyPlace)
    agent = ScopedPrimaryKeyField(Item, required=False, allow_null=True, write_only=True)
    quantity = serializers.IntegerField(min_value=0, required=False, default=0, write_only=True)
    store = ScopedPrimaryKeyField(Store, required=False, allow_null=True, write_only=True)
    day = serializers.DateField(required=False)
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = Disinfection
        fields = ["id", "place", "day", "at", "by", "entry", "note", "agent", "quantity", "store"]
        read_only_fields = ["at", "entry"]

    def create(self, validated_data: dict[str, Any]) -> Disinfection:
        return services.disinfection_record(by=self.context["request"].user, **validated_data)


class DisinfectionViewSet(_Scoped):
    """Disinfections in the caller's scope; the agent is taken from stock."""

    serializer_class = DisinfectionSerializer
    write_capability = Cap.MEASURES_WRITE
    model = Disinfection
    related = ("place", "by")
    ordering = ("-day", "-at", "-pk")


# --- gatherings and venues --------------------------------------------------------------------


class GatheringSerializer(_CreateThrough):
    service = services.gathering_report
    area = ScopedPrimaryKeyField(Area)
    reported_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = Gathering
        fields = [
            "id",
            "area",
            "kind",
            "family",
            "event_date",
            "reported_on",
            "reported_late",
            "expected_people",
            "outcome",
            "outcome_on",
            "note",
        ]
        read_only_fields = ["outcome_on"]


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=GatheringOutcome.choices)  # not "pending" (400)
    day = serializers.DateField(required=False)
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class GatheringViewSet(_Scoped):
    serializer_class = GatheringSerializer
    write_capability = Cap.MEASURES_WRITE
    model = Gathering
    related = ("area",)
    ordering = ("-reported_on", "-pk")

    @extend_schema(request=OutcomeSerializer, responses=GatheringSerializer)
    @action(detail=True, methods=["post"], serializer_class=OutcomeSerializer)
    def outcome(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        gathering = self.get_object()
        done = services.gathering_outcome(
            by=request.user,
            gathering=gathering,
            **_valid(OutcomeSerializer, request),
        )
        return _respond(GatheringSerializer, done, request)


class VenueSerializer(serializers.ModelSerializer):
    area = ScopedPrimaryKeyField(Area)
    status = serializers.ChoiceField(choices=VenueStatus.choices)
    conditions = serializers.CharField(max_length=300, required=False, default="", write_only=True)
    checked_on = serializers.DateField(read_only=True)

    class Meta:
        model = Venue
        fields = ["id", "area", "name", "kind", "address", "status", "conditions", "checked_on"]

    def create(self, validated_data: dict[str, Any]) -> Venue:
        venue = services.venue_create(by=self.context["request"].user, **validated_data)
        return Venue.objects.with_status(today_local()).get(pk=venue.pk)


class VenueCheckSerializer(serializers.ModelSerializer):
    day = serializers.DateField(required=False)

    class Meta:
        model = VenueCheck
        fields = ["id", "day", "status", "conditions", "complied"]


class VenueViewSet(_Scoped):
    """Venues with the status of their latest check; ``?status=closed``, ``?kind=``."""

    serializer_class = VenueSerializer
    write_capability = Cap.MEASURES_WRITE
    model = Venue
    related = ("area",)
    ordering = ("area__path", "name")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        venues = super().get_queryset().with_status(today_local())
        if status := self.request.query_params.get("status", ""):
            venues = venues.filter(status=status)
        if kind := self.request.query_params.get("kind", ""):
            venues = venues.filter(kind=kind)
        return venues

    @extend_schema(request=VenueCheckSerializer, responses={201: VenueCheckSerializer})
    @action(detail=True, methods=["post"], serializer_class=VenueCheckSerializer)
    def check(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        venue = self.get_object()
        done = services.venue_check(
            by=request.user,
            venue=venue,
            **_valid(VenueCheckSerializer, request),
        )
        return _respond(VenueCheckSerializer, done, request, 201)


# --- publicity --------------------------------------------------------------------------------


class PublicitySerializer(_CreateThrough):
    service = services.publicity_record
    area = ScopedPrimaryKeyField(Area)
    day = serializers.DateField(required=False)

    class Meta:
        model = Publicity
        fields = ["id", "area", "day", "kind", "quantity", "note"]


class PublicityViewSet(_Scoped):
    serializer_class = PublicitySerializer
    write_capability = Cap.MEASURES_WRITE
    model = Publicity
    related = ("area",)
    ordering = ("-day", "-pk")


# --- inspections ------------------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "inspection", "item", "description", "deadline", "closed_on", "closure"]
        read_only_fields = ["inspection", "closed_on", "closure"]


class AccountabilitySerializer(serializers.ModelSerializer):
    finding = ScopedPrimaryKeyField(Finding, required=False, allow_null=True, default=None)
    day = serializers.DateField(required=False)

    class Meta:
        model = Accountability
        fields = ["id", "person_name", "position", "measure", "finding", "day"]


class InspectionSerializer(_CreateThrough):
    service = services.inspection_record
    area = ScopedPrimaryKeyField(Area)
    checklist = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="{item: true (in order) | false (a problem)} for the items looked at: "
        + ", ".join(CHECKLIST_KEYS),
    )
    findings = FindingSerializer(many=True, read_only=True)
    accountabilities = AccountabilitySerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "area",
            "day",
            "mode",
            "team",
            "checklist",
            "summary",
            "findings",
            "accountabilities",
        ]


class CloseSerializer(serializers.Serializer):
    closure = serializers.CharField(max_length=500)
    day = serializers.DateField(required=False)


class InspectionViewSet(_Scoped, mixins.RetrieveModelMixin):
    """Inspections of areas in the caller's scope, their findings and the people held
    accountable."""

    serializer_class = InspectionSerializer
    write_capability = Cap.INSPECTIONS_WRITE
    model = Inspection
    related = ("area",)
    ordering = ("-day", "-pk")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return super().get_queryset().prefetch_related("findings", "accountabilities")

    @extend_schema(request=FindingSerializer, responses={201: FindingSerializer})
    @action(detail=True, methods=["post"], serializer_class=FindingSerializer)
    def findings(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        inspection = self.get_object()
        data = _valid(FindingSerializer, request)
        done = services.finding_add(by=request.user, inspection=inspection, **data)
        return _respond(FindingSerializer, done, request, 201)

    @extend_schema(request=AccountabilitySerializer, responses={201: AccountabilitySerializer})
    @action(detail=True, methods=["post"], serializer_class=AccountabilitySerializer)
    def accountability(
        self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any
    ) -> Response:
        inspection = self.get_object()
        data = _valid(AccountabilitySerializer, request)
        done = services.accountability_add(by=request.user, inspection=inspection, **data)
        return _respond(AccountabilitySerializer, done, request, 201)


class FindingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Findings in the caller's scope; ``?open=1`` for those still to put right."""

    serializer_class = FindingSerializer
    write_capability = Cap.FINDINGS_WRITE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        findings = Finding.objects.for_user(self.request.user).select_related("inspection__area")  # type: ignore[arg-type]
        if self.request.query_params.get("open") in {"1", "true"}:
            findings = findings.open_on(today_local())
        return findings.order_by("deadline", "pk")

    @extend_schema(request=CloseSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"], serializer_class=CloseSerializer)
    def close(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        finding = self.get_object()
        done = services.finding_close(
            by=request.user,
            finding=finding,
            **_valid(CloseSerializer, request),
        )
        return _respond(FindingSerializer, done, request)
