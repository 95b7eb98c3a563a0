from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.areas.importing import AreaImportError, import_areas
from fangkong.areas.models import Area


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = [
            "id",
            "name",
            "level",
            "code",
            "parent",
            "path",
            "depth",
            "established_on",
            "retired_on",
        ]
        read_only_fields = fields


class AreaImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=False)
    strip_committee = serializers.BooleanField(default=False)


class AreaImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class AreaImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    county = serializers.CharField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    rejected = serializers.IntegerField()
    applied = serializers.BooleanField()
    no_change = serializers.BooleanField()
    errors = AreaImportErrorSerializer(many=True)  # type: ignore[assignment]


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """The areas in the caller's scope (their area and everything below it)."""

    serializer_class = AreaSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        areas = Area.objects.for_user(self.request.user)  # type: ignore[arg-type]
        if level := self.request.query_params.get("level"):
            areas = areas.filter(level=level)
        return areas.order_by("path")

    @extend_schema(
        request=AreaImportRequestSerializer,
        responses={
            200: AreaImportResultSerializer,
            422: AreaImportResultSerializer,
            400: OpenApiResponse(description="unusable file"),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[parsers.MultiPartParser],
    )
    def import_file(self, request: Request, format: str | None = None) -> Response:  # noqa: A002
        """Import the county's division codes or a grid sheet (county administrators): the same
        importer as the command and the page. 200 when nothing was refused, 422 when some rows
        were (the good ones are applied unless ``dry_run``), 400 when the file is unusable."""
        if not getattr(request.user, "is_county_admin", False):
            raise PermissionDenied
        serializer = AreaImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            result = import_areas(
                upload,
                upload.name,
                by=request.user,  # type: ignore[arg-type]
                dry_run=serializer.validated_data["dry_run"],
                strip_committee=serializer.validated_data["strip_committee"],
            )
        except AreaImportError as error:
            raise ValidationError({"file": [str(error)]}) from error
        return Response(result.as_json(), status=422 if result.rejected else 200)
