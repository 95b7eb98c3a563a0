"""``/api/v1/rounds`` and ``/api/v1/visits``: scoped like the pages, written through the services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.accounts.access import Cap
from fangkong.areas.models import Area
from fangkong.core import rows
from fangkong.core.api import FastScopedField, FieldsBuiltOnce, ScopedPrimaryKeyField
from fangkong.core.audit import client_ip
from fangkong.core.http import AuthedAPIRequest
from fangkong.core.lean import Fallback, Lean, LeanCreateMixin
from fangkong.monitoring.models import Category
from fangkong.registry.models import Household, Resident
from fangkong.screening import feedback as feedback_module
from fangkong.screening import figures, services
from fangkong.screening.models import (
    EntryOutcome,
    HouseholdVisit,
    PersonCheck,
    ReconciliationEntry,
    ReconciliationList,
    ScreeningRound,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RoundSerializer(serializers.ModelSerializer):
    area = ScopedPrimaryKeyField(Area)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = ScreeningRound
        fields = ["id", "area", "area_name", "name", "started_on", "ended_on", "created_at"]
        read_only_fields = ["created_at"]

    def create(self, validated_data: dict[str, Any]) -> ScreeningRound:
        return services.round_create(by=self.context["request"].user, **validated_data)


# The round, household and residents of a visit, each by one hand-written query in the caller's
# scope (issue 19: the ORM compiled each SELECT for longer than the database ran it); the same
# rows as ``for_user`` finds.
_ROUNDS = rows.Scoped(
    ScreeningRound, "JOIN areas_area a ON a.id = m.area_id", area_attr="area", ancestors=True
)
_HOUSEHOLDS = rows.Scoped(Household, "JOIN areas_area a ON a.id = m.area_id", area_attr="area")
_RESIDENTS = rows.Scoped(
    Resident,
    "JOIN registry_household h ON h.id = m.household_id JOIN areas_area a ON a.id = h.area_id",
    area_attr=None,
)


class _NumberOnly(FastScopedField):
    """A scoped id whose row the visit's serializer reads together with others (one query, in
    ``VisitSerializer.validate``): validating the field keeps the number."""

    def lean_lookup(self, user: Any, data: Any) -> Any:
        return rows.pk_of(self, data)

    def to_internal_value(self, data: Any) -> Any:
        pk = rows.pk_of(self, data)
        if pk is None:
            self.fail("does_not_exist", pk_value=data)
        return pk


def _round_and_household(user: Any, round_pk: int, household_pk: int) -> tuple[Any, Any]:
    """The round and the household of a visit, each in the caller's scope (what ``_ROUNDS`` and
    ``_HOUSEHOLDS`` find), with their areas, or None: one hand-written query (issue 19)."""
    area = user.area
    if not _built:
        r, ra = rows.Columns(ScreeningRound, "r"), rows.Columns(Area, "ra")
        h, ha = rows.Columns(Household, "h"), rows.Columns(Area, "ha")
        _built.append(
            (
                f"SELECT {r.sql}, {ra.sql}, {h.sql}, {ha.sql} FROM (SELECT 1 AS one) x "  # noqa: S608 - names from the models
                f"LEFT JOIN ({r.table} r JOIN {ra.table} ra ON ra.id = r.area_id) "
                "ON r.id = %s AND r.county_id = %s{} "
                f"LEFT JOIN ({h.table} h JOIN {ha.table} ha ON ha.id = h.area_id) "
                "ON h.id = %s AND h.county_id = %s{}",
                (r, ra, h, ha),
            )
        )
    sql, columns = _built[0]
    round_scope, round_params = _ROUNDS.scope(area, "ra")
    household_scope, household_params = _HOUSEHOLDS.scope(area, "ha")
    found = rows.fetch_one(
        sql.format(round_scope, household_scope),
        [round_pk, area.county_id, *round_params, household_pk, area.county_id, *household_params],
    )
    assert found is not None  # one row, always (the LEFT JOINs)
    objs, start = [], 0
    for row_columns, place_columns in (columns[:2], columns[2:]):
        obj = row_columns.build(found, start)
        if obj is not None:
            obj.area = place_columns.build(found, start + len(row_columns))
        objs.append(obj)
        start += len(row_columns) + len(place_columns)
    return objs[0], objs[1]


_built: list[tuple[str, tuple[rows.Columns[Any], ...]]] = []


class ScopedRoundField(_NumberOnly):
    lookup = _ROUNDS

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return ScreeningRound.objects.for_user(self.context["request"].user).select_related("area")


class ScopedResidentField(_NumberOnly):
    lookup = _RESIDENTS

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Resident.objects.for_user(self.context["request"].user)


class PersonCheckSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    resident = ScopedResidentField(required=False, allow_null=True)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)

    class Meta:
        model = PersonCheck
        fields = [
            "resident",
            "name",
            "at_home",
            "travel_from",
            "returned_on",
            "route",
            "origin_name",
            "via_risk_area",
            "fever",
            "cough",
            "fatigue",
            "other_symptoms",
            "contact_with_case",
        ]
        read_only_fields = ["origin_name", "via_risk_area"]


class ScopedHouseholdField(_NumberOnly, ScopedPrimaryKeyField):
    """A household in the caller's scope, with its area (the visit's scope check reads it)."""

    lookup = _HOUSEHOLDS

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return super().get_queryset().select_related("area")


class VisitSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    round = ScopedRoundField()
    household = ScopedHouseholdField(Household)
    household_name = serializers.CharField(source="household.head_name", read_only=True)
    people = PersonCheckSerializer(many=True, required=False)
    is_latest = serializers.BooleanField(read_only=True)

    class Meta:
        model = HouseholdVisit
        fields = [
            "id",
            "round",
            "household",
            "household_name",
            "visited_on",
            "method",
            "outcome",
            "notes",
            "is_latest",
            "people",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The round and the household, read by one query in the caller's scope, then the
        residents named among the people by another; a number the caller does not see is
        answered as if it did not exist."""
        user = self.context["request"].user
        attrs["round"], attrs["household"] = _round_and_household(
            user, attrs["round"], attrs["household"]
        )
        missing = {
            name: [self.fields[name].error_messages["does_not_exist"].format(pk_value=number)]
            for name, number in (
                ("round", self.initial_data.get("round")),
                ("household", self.initial_data.get("household")),
            )
            if attrs[name] is None
        }
        if missing:
            raise ValidationError(missing)
        people = attrs.get("people") or []
        wanted = [p["resident"] for p in people if p.get("resident") is not None]
        if not wanted:
            return attrs
        found = _RESIDENTS.get_many(user, wanted)
        field = self.fields["people"].child.fields["resident"]  # type: ignore[attr-defined]
        errors: list[dict[str, Any]] = []
        for person in people:
            number = person.get("resident")
            if number is not None:
                person["resident"] = found.get(number)
                if person["resident"] is None:
                    message = field.error_messages["does_not_exist"].format(pk_value=number)
                    errors.append({"resident": [message]})
                    continue
            errors.append({})
        if any(errors):
            raise ValidationError({"people": errors})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> HouseholdVisit:
        return _record(self.context["request"].user, validated_data)


def _record(user: Any, validated_data: dict[str, Any]) -> HouseholdVisit:
    """The serializer's validated data to the service (the serializer and the lean path)."""
    people = [services.PersonEntry.from_data(p) for p in validated_data.pop("people", [])]
    return services.visit_record(by=user, people=people, **validated_data)


def _lean_rows(attrs: dict[str, Any], user: Any) -> dict[str, Any]:
    """``VisitSerializer.validate`` for a body whose round, household and residents the caller
    all sees (the same two queries); any one missing: ``Fallback`` (the serializer names it)."""
    attrs["round"], attrs["household"] = _round_and_household(
        user, attrs["round"], attrs["household"]
    )
    if attrs["round"] is None or attrs["household"] is None:
        raise Fallback
    people = attrs.get("people") or []
    wanted = [p["resident"] for p in people if p.get("resident") is not None]
    if wanted:
        found = _RESIDENTS.get_many(user, wanted)
        for person in people:
            if person.get("resident") is not None:
                person["resident"] = found.get(person["resident"])
                if person["resident"] is None:
                    raise Fallback
    return attrs


class CoverageSerializer(serializers.Serializer):
    area = serializers.IntegerField(source="area_id")
    name = serializers.CharField()
    level = serializers.CharField()
    households = serializers.IntegerField()
    visited = serializers.IntegerField()
    nobody_home = serializers.IntegerField()
    unvisited = serializers.IntegerField()
    percent = serializers.FloatField()


class CoverageTreeSerializer(CoverageSerializer):
    children = CoverageSerializer(many=True)


class RoundViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Screening rounds over the caller's area, inside it, or over an area containing it.
    Creating one needs a county, township or village role."""

    serializer_class = RoundSerializer
    write_capability = Cap.SCREENING_MANAGE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            ScreeningRound.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .select_related("area")
            .order_by("-started_on", "-pk")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "area",
                OpenApiTypes.INT,
                description="an area inside the round and the caller's scope (default: the "
                "caller's part of the round)",
            )
        ],
        responses=CoverageTreeSerializer,
    )
    @action(detail=True, methods=["get"])
    def coverage(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        """Households in the register and visited, for the area and each area directly below."""
        screening_round = self.get_object()
        user_area: Area = request.user.area  # type: ignore[union-attr,assignment]
        base = user_area if user_area.is_within(screening_round.area) else screening_round.area
        area = base
        if area_id := request.query_params.get("area", "").strip():
            if not area_id.isdigit() or len(area_id) > 18:
                raise ValidationError({"area": ["Unknown area."]})
            area = get_object_or_404(Area.objects.subtree(base), pk=area_id)
        row = figures.coverage(screening_round, area)
        return Response(CoverageTreeSerializer(row).data)


class VisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    LeanCreateMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Household visits in the caller's scope, with the people checked. ``?round=`` and
    ``?household=`` filter; ``?latest=true`` keeps the visit that counts for each household."""

    serializer_class = VisitSerializer
    lean = Lean(VisitSerializer, validate=_lean_rows)  # the POST (issue 19)

    def lean_save(self, request: Any, attrs: dict[str, Any]) -> HouseholdVisit:
        return _record(request.user, attrs)

    @extend_schema(
        parameters=[
            OpenApiParameter("round", OpenApiTypes.INT),
            OpenApiParameter("household", OpenApiTypes.INT),
            OpenApiParameter("latest", OpenApiTypes.BOOL),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        visits = HouseholdVisit.objects.for_user(self.request.user).select_related("household")  # type: ignore[arg-type]
        params = self.request.query_params
        for name in ("round", "household"):
            if value := params.get(name, ""):
                ok = value.isdigit() and len(value) <= 18
                visits = visits.filter(**{f"{name}_id": value}) if ok else visits.none()
        if params.get("latest", "").lower() in {"true", "1"}:
            visits = visits.current()
        return visits.prefetch_related(
            Prefetch("people", queryset=PersonCheck.objects.order_by("pk"))
        ).order_by("-visited_on", "-pk")


# --- list reconciliation (协查名单) ----------------------------------------------------------


class ReconciliationEntrySerializer(serializers.ModelSerializer):
    """An entry with its ID and phone masked (as on the pages)."""

    list_title = serializers.CharField(source="list.title", read_only=True)
    id_number = serializers.CharField(source="id_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    assigned_area_name = serializers.CharField(source="assigned_area.name", read_only=True)
    resident = serializers.SerializerMethodField()

    class Meta:
        model = ReconciliationEntry
        fields = [
            "id",
            "list",
            "list_title",
            "row",
            "name",
            "id_number",
            "phone",
            "origin",
            "reported_on",
            "match",
            "resident",
            "assigned_area",
            "assigned_area_name",
            "outcome",
            "note",
            "closed_at",
        ]
        read_only_fields = fields

    def get_resident(self, entry: ReconciliationEntry) -> int | None:
        resident = entry.resident_shown
        return resident.pk if resident is not None else None


class EntryCloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=EntryOutcome.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    propose_case = serializers.BooleanField(required=False, default=False)
    category = serializers.ChoiceField(
        choices=Category.choices, required=False, default=Category.RETURNEE
    )


class ReconciliationEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Entries of reconciliation lists assigned to the caller's area; ``?open=1`` for the ones
    still to verify."""

    serializer_class = ReconciliationEntrySerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        entries = ReconciliationEntry.objects.for_user(self.request.user).select_related(  # type: ignore[arg-type]
            "list", "assigned_area", "resident__household"
        )
        if self.request.query_params.get("open") in {"1", "true"}:
            entries = entries.open()
        return entries.order_by("list_id", "row")

    @extend_schema(request=EntryCloseSerializer, responses=ReconciliationEntrySerializer)
    @action(detail=True, methods=["post"], serializer_class=EntryCloseSerializer)
    def close(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        entry = self.get_object()
        serializer = EntryCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        closed = services.entry_close(by=request.user, entry=entry, **serializer.validated_data)
        closed = self.get_queryset().get(pk=closed.pk)
        return Response(ReconciliationEntrySerializer(closed, context={"request": request}).data)


class ReconciliationListSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = ReconciliationList
        fields = ["id", "title", "area", "area_name", "received_on", "deadline", "rows_read"]
        read_only_fields = fields


class ListDeadlineSerializer(serializers.Serializer):
    deadline = serializers.DateField(allow_null=True)


class ReconciliationListViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Lists from above (协查名单) the caller sees; their deadline and their feedback sheet
    (``feedback/``: .xlsx in the list's order, audited) for the county and township officers
    over the list's area."""

    serializer_class = ReconciliationListSerializer
    write_capability = Cap.LISTS_MANAGE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            ReconciliationList.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .select_related("area")
            .order_by("-received_on", "-pk")
        )

    def _answered(self, request: AuthedAPIRequest) -> ReconciliationList:
        reconciliation = self.get_object()
        if not services.can_send_feedback(request.user, reconciliation):
            raise PermissionDenied
        return reconciliation

    @extend_schema(request=ListDeadlineSerializer, responses=ReconciliationListSerializer)
    @action(detail=True, methods=["post"], serializer_class=ListDeadlineSerializer)
    def deadline(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        reconciliation = self._answered(request)
        serializer = ListDeadlineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.list_set_deadline(
            by=request.user,
            reconciliation=reconciliation,
            deadline=serializer.validated_data["deadline"],
        )
        return Response(ReconciliationListSerializer(saved).data)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def feedback(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Any:
        reconciliation = self._answered(request)
        body, _rows = feedback_module.feedback_export(
            by=request.user, reconciliation=reconciliation, ip=client_ip(request)
        )
        response = HttpResponse(body, content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="feedback-{reconciliation.pk}.xlsx"'
        )
        return response
