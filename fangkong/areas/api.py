from __future__ import annotations

from rest_framework import serializers, viewsets

from fangkong.areas.models import Area


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "name", "level", "code", "parent", "path", "depth"]
        read_only_fields = fields


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """The areas in the caller's scope (their area and everything below it)."""

    serializer_class = AreaSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        areas = Area.objects.for_user(self.request.user)  # type: ignore[arg-type]
        if level := self.request.query_params.get("level"):
            areas = areas.filter(level=level)
        return areas.order_by("path")
