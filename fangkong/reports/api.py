"""``/api/v1/reports`` (list, retrieve, submit, amend) and ``/api/v1/reports/rollup`` for an
(area, date): scoped with ``for_user``, written through the same services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.accounts.access import Cap
from fangkong.areas.models import ADMINISTRATIVE_LEVELS, Area
from fangkong.core.api import ScopedPrimaryKeyField
from fangkong.core.audit import client_ip
from fangkong.core.clock import today_local
from fangkong.core.forms import FIRST_DAY, LAST_DAY
from fangkong.core.http import AuthedAPIRequest
from fangkong.reports import county_settings, live, rollup, services
from fangkong.reports.models import DailyReport, ReportVersion


class ReportVersionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = ReportVersion
        fields = ["number", "figures", "remarks", "reason", "is_zero", "by", "at"]
        read_only_fields = fields


class DailyReportSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    versions = ReportVersionSerializer(many=True, read_only=True)

    class Meta:
        model = DailyReport
        fields = [
            "id",
            "area",
            "area_name",
            "date",
            "form",
            "figures",
            "remarks",
            "is_zero",
            "submitted_by",
            "submitted_at",
            "late",
            "version",
            "amended_at",
            "versions",
        ]
        read_only_fields = fields


class ReportDayField(serializers.DateField):
    """A report day: 2000–2099, as on the pages (``core.forms.DayForm``). Outside it a day has no
    reports, and a far-past day's times fall in Asia/Shanghai's local mean time (+08:05:43)."""

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(_("Enter a date between 2000 and 2099."))
        return day


class SubmitSerializer(serializers.Serializer):
    area = ScopedPrimaryKeyField(Area)
    date = ReportDayField(required=False)
    remarks = serializers.CharField(
        max_length=services.REMARKS_MAX, required=False, allow_blank=True, default=""
    )


class AmendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    remarks = serializers.CharField(
        max_length=services.REMARKS_MAX, required=False, allow_blank=True, allow_null=True
    )


class RollupQuerySerializer(serializers.Serializer):
    area = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    date = ReportDayField(required=False)


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    reported = serializers.FloatField()
    live = serializers.FloatField()


class VillageStatusSerializer(serializers.Serializer):
    area = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["on_time", "late", "missing"])
    is_zero = serializers.BooleanField()
    phones = serializers.ListField(child=serializers.CharField())


class LiveRowSerializer(serializers.Serializer):
    area = serializers.IntegerField(source="area.pk")
    name = serializers.CharField(source="area.name")
    level = serializers.CharField(source="area.level")
    households = serializers.IntegerField()
    screened = serializers.IntegerField()
    coverage = serializers.FloatField()
    monitored_now = serializers.IntegerField()
    at_home = serializers.IntegerField()
    centralised = serializers.IntegerField()
    new_today = serializers.IntegerField()
    released_total = serializers.IntegerField()
    open_alerts = serializers.IntegerField()
    villages = serializers.IntegerField(help_text="villages below (reports expected)")
    submitted = serializers.IntegerField()
    late = serializers.IntegerField()


class LiveSerializer(serializers.Serializer):
    date = serializers.DateField()
    report_day_start = serializers.DateTimeField(
        help_text="the report day counted: from the county's cut-off the day before"
    )
    report_day_end = serializers.DateTimeField(help_text="to the cut-off of the day")
    counted_at = serializers.DateTimeField(
        help_text="the moment the figures stand at: now, or the report day's end once it is "
        "over (records made since count in the next report day)"
    )
    total = LiveRowSerializer()
    children = LiveRowSerializer(many=True, help_text="one row per area one level below")


class RollupSerializer(serializers.Serializer):
    area = serializers.IntegerField()
    area_name = serializers.CharField()
    date = serializers.DateField()
    deadline = serializers.DateTimeField()
    expected = serializers.IntegerField()
    submitted = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    zero = serializers.IntegerField()
    villages = VillageStatusSerializer(many=True)
    figures = FigureSerializer(many=True)


def _rollup_data(result: rollup.Rollup) -> dict[str, Any]:
    return {
        "area": result.area.pk,
        "area_name": result.area.name,
        "date": result.date,
        "deadline": result.deadline,
        "expected": result.expected,
        "submitted": result.submitted,
        "on_time": result.on_time,
        "late": len(result.late),
        "missing": len(result.missing),
        "zero": result.zero,
        "villages": [
            {
                "area": v.area.pk,
                "name": v.area.name,
                "status": v.status,
                "is_zero": bool(v.report and v.report.is_zero),
                "phones": v.phones,
            }
            for v in result.villages
        ],
        "figures": [
            {
                "key": f.key,
                "name": str(f.label),
                "unit": str(f.unit),
                "reported": reported,
                "live": live or 0,
            }
            for f, reported, live in result.comparison()
        ],
    }


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Daily reports of the villages in the caller's scope; ``?date=`` filters."""

    serializer_class = DailyReportSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        reports = (
            DailyReport.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .select_related("area", "submitted_by")
            .prefetch_related("versions__by")
        )
        if day := self.request.query_params.get("date", ""):
            field = serializers.DateField()
            try:
                reports = reports.filter(date=field.to_internal_value(day))
            except serializers.ValidationError:
                reports = reports.none()
        return reports.order_by("-date", "area__path", "pk")

    @extend_schema(request=SubmitSerializer, responses={201: DailyReportSerializer})
    @action(detail=False, methods=["post"], serializer_class=SubmitSerializer)
    def submit(self, request: AuthedAPIRequest, **kwargs: Any) -> Response:
        """Freeze the village's figures for the date (today by default) from the records."""
        serializer = SubmitSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = services.report_submit(
            by=request.user,
            area=data["area"],
            day=data.get("date") or today_local(),
            remarks=data["remarks"],
            ip=client_ip(request),
        )
        return Response(DailyReportSerializer(report).data, status=201)

    @extend_schema(request=AmendSerializer, responses=DailyReportSerializer)
    @action(detail=True, methods=["post"], serializer_class=AmendSerializer)
    def amend(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        """A correction: the figures are computed again and frozen as a new version."""
        report = self.get_object()
        serializer = AmendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amended = services.report_amend(
            by=request.user,
            report=report,
            reason=serializer.validated_data["reason"],
            remarks=serializer.validated_data.get("remarks"),
            ip=client_ip(request),
        )
        amended = self.get_queryset().get(pk=amended.pk)
        return Response(DailyReportSerializer(amended).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("area", OpenApiTypes.INT, description="default: the caller's area"),
            OpenApiParameter("date", OpenApiTypes.DATE, description="default: today"),
        ],
        responses=RollupSerializer,
    )
    @action(detail=False, methods=["get"], serializer_class=RollupSerializer, pagination_class=None)
    def rollup(self, request: Request, **kwargs: Any) -> Response:
        """Completeness, timeliness, missing villages and figures (reported and live)."""
        query = RollupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        area: Area | None = request.user.area  # type: ignore[union-attr]
        if area_id := query.validated_data.get("area"):
            area = (
                Area.objects.for_user(request.user)  # type: ignore[arg-type]
                .filter(level__in=ADMINISTRATIVE_LEVELS, pk=area_id)
                .first()
            )
        if area is None:
            raise ValidationError({"area": ["Unknown area."]})
        if area.level not in ADMINISTRATIVE_LEVELS:
            raise ValidationError({"area": ["Roll-ups are for a village, township or county."]})
        result = rollup.rollup(area, query.validated_data.get("date") or today_local())
        return Response(RollupSerializer(_rollup_data(result)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("area", OpenApiTypes.INT, description="default: the caller's area"),
            OpenApiParameter("date", OpenApiTypes.DATE, description="default: today"),
        ],
        responses=LiveSerializer,
    )
    @action(detail=False, methods=["get"], serializer_class=LiveSerializer, pagination_class=None)
    def live(self, request: Request, **kwargs: Any) -> Response:
        """The dashboard's live figures from the records: the area and each area below it (down
        to the grids), with the reports submitted under each."""
        query = RollupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        area: Area | None = request.user.area  # type: ignore[union-attr]
        if area_id := query.validated_data.get("area"):
            area = Area.objects.for_user(request.user).filter(pk=area_id).first()  # type: ignore[arg-type]
        if area is None:
            raise ValidationError({"area": ["Unknown area."]})
        day = query.validated_data.get("date") or today_local()
        table = live.live_table(area, day)
        assert table.window is not None
        data = {
            "date": day,
            "report_day_start": table.window[0],
            "report_day_end": table.window[1],
            "counted_at": table.counted_at,
            "total": table.total,
            "children": table.rows,
        }
        return Response(LiveSerializer(data).data)


class CountySettingsSerializer(serializers.Serializer):
    """The county's settings (``fangkong.reports.county_settings``): PATCH any of them."""

    county = serializers.IntegerField(read_only=True)
    cutoff = serializers.TimeField(required=False)
    deadline = serializers.TimeField(required=False)
    township_deadline = serializers.TimeField(required=False)
    county_deadline = serializers.TimeField(required=False)
    amend_alone_until = serializers.TimeField(required=False, allow_null=True)
    slot1_name = serializers.CharField(
        required=False, allow_blank=True, max_length=county_settings.SLOT_NAME_MAX
    )
    slot1_start = serializers.TimeField(required=False)
    slot1_end = serializers.TimeField(required=False)
    slot2_name = serializers.CharField(
        required=False, allow_blank=True, max_length=county_settings.SLOT_NAME_MAX
    )
    slot2_start = serializers.TimeField(required=False)
    slot2_end = serializers.TimeField(required=False)
    end_undo_hours = serializers.IntegerField(
        required=False, min_value=0, max_value=county_settings.END_UNDO_MAX_HOURS
    )
    policy = serializers.CharField(read_only=True)


_COUNTY_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The county's id (one's own county only)."
)


@extend_schema_view(
    retrieve=extend_schema(parameters=[_COUNTY_ID]),
    partial_update=extend_schema(parameters=[_COUNTY_ID]),
)
class CountySettingsViewSet(viewsets.ViewSet):
    """``/api/v1/county-settings/<county id>/``: the county administrator reads (GET) and changes
    (PATCH) the county's report cut-off, due times, amendment limit, check-in slots and case-end
    undo window. Another county's id is a 404; a role without ``reports.manage`` a 403."""

    read_capability = Cap.REPORTS_MANAGE
    write_capability = Cap.REPORTS_MANAGE
    serializer_class = CountySettingsSerializer

    def _county(self, request: AuthedAPIRequest, pk: str | None) -> Area:
        own = request.user.area.county_id  # type: ignore[union-attr]
        if pk is None or not pk.isdigit() or int(pk) != own:
            raise NotFound
        return Area.objects.get(pk=own)

    def _data(self, county: Area) -> dict[str, Any]:
        values = county_settings.county_settings(county)
        data = {name: values[name] for name in county_settings.FIELDS}
        data |= {"county": county.pk, "policy": values["policy"].name}
        return CountySettingsSerializer(data).data

    def retrieve(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        return Response(self._data(self._county(request, pk)))

    @extend_schema(request=CountySettingsSerializer, responses=CountySettingsSerializer)
    def partial_update(
        self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any
    ) -> Response:
        county = self._county(request, pk)
        serializer = CountySettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        county_settings.county_settings_update(
            by=request.user, county=county, values=serializer.validated_data, ip=client_ip(request)
        )
        return Response(self._data(county))
