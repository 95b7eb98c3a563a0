"""``/api/v1/shifts``, ``/api/v1/assignments`` (clock in/out), ``/api/v1/workers``,
``/api/v1/branches``, ``/api/v1/teams`` and ``/api/v1/points``: scoped."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.api import ScopedPermission
from fangkong.core.http import AuthedAPIRequest
from fangkong.workforce import services
from fangkong.workforce.models import (
    PartyBranch,
    PointEntry,
    Shift,
    ShiftAssignment,
    Team,
    Worker,
)


class ClockPermission(ScopedPermission):
    """Anyone scoped and not read-only clocks in and out of their own shifts."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return super().has_permission(request, view)
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and getattr(user, "area_id", None) is not None
            and not getattr(user, "is_read_only", True)
        )


class AssignmentSerializer(serializers.ModelSerializer):
    worker_name = serializers.CharField(source="worker.name", read_only=True)
    missed = serializers.SerializerMethodField()

    class Meta:
        model = ShiftAssignment
        fields = [
            "id",
            "shift",
            "worker",
            "worker_name",
            "clock_in_at",
            "clock_out_at",
            "late",
            "missed",
            "left_early",
            "worked_minutes",
        ]
        read_only_fields = fields

    left_early = serializers.BooleanField(read_only=True)
    worked_minutes = serializers.SerializerMethodField()

    def get_missed(self, obj: ShiftAssignment) -> bool:
        return obj.missed()

    def get_worked_minutes(self, obj: ShiftAssignment) -> int | None:
        worked = obj.worked
        return None if worked is None else int(worked.total_seconds() // 60)


class ShiftSerializer(serializers.ModelSerializer):
    post_name = serializers.CharField(source="post.name", read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)
    gap = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = [
            "id",
            "post",
            "post_name",
            "day",
            "starts_at",
            "ends_at",
            "min_staff",
            "gap",
            "assignments",
        ]
        read_only_fields = fields

    def get_gap(self, obj: Shift) -> bool:
        return len(obj.assignments.all()) < obj.min_staff


class WorkerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Worker
        fields = ["id", "name", "kind", "party_member", "organisation", "area", "resident", "user"]
        read_only_fields = fields


class BranchSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PartyBranch
        fields = [
            "id",
            "name",
            "area",
            "temporary",
            "set_up_on",
            "dissolved_on",
            "secretary",
            "member_count",
        ]
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "description", "area", "dispatched_to", "member_count"]
        read_only_fields = fields


class PointEntrySerializer(serializers.ModelSerializer):
    record_type = serializers.SerializerMethodField()
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = PointEntry
        fields = [
            "id",
            "day",
            "kind",
            "points",
            "worker",
            "user",
            "area",
            "area_name",
            "record_type",
            "record_id",
            "reason",
        ]
        read_only_fields = fields

    def get_record_type(self, obj: PointEntry) -> str:
        return f"{obj.record_type.app_label}.{obj.record_type.model}" if obj.record_type else ""


class ShiftViewSet(viewsets.ReadOnlyModelViewSet):
    """Shifts at the posts in the caller's scope (``?day=``), with who is on them."""

    serializer_class = ShiftSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        shifts = (
            Shift.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .select_related("post")
            .prefetch_related("assignments__worker")
            .order_by("starts_at", "pk")
        )
        if day := self.request.query_params.get("day", ""):
            shifts = shifts.filter(day=day) if len(day) == 10 else shifts.none()
        return shifts


class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Shift assignments in scope; ``clock-in/`` and ``clock-out/`` on one's own."""

    serializer_class = AssignmentSerializer
    permission_classes = [ClockPermission]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        user = self.request.user
        # Everything in the caller's area, and their own shifts wherever the post is.
        mine = ShiftAssignment.objects.filter(worker__user_id=user.pk) if user.pk else None
        assignments = ShiftAssignment.objects.for_user(user)  # type: ignore[arg-type]
        if mine is not None and getattr(user, "area_id", None) is not None:
            assignments = assignments | mine
        return assignments.select_related("shift", "worker").order_by("-pk")

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="clock-in")
    def clock_in(self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any) -> Response:
        done = services.clock_in(by=request.user, assignment=self.get_object())
        return Response(AssignmentSerializer(done).data)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="clock-out")
    def clock_out(
        self, request: AuthedAPIRequest, pk: str | None = None, **kwargs: Any
    ) -> Response:
        done = services.clock_out(by=request.user, assignment=self.get_object())
        return Response(AssignmentSerializer(done).data)


class WorkerViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WorkerSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Worker.objects.for_user(self.request.user).defer("phone").order_by("pk")  # type: ignore[arg-type]


class BranchViewSet(viewsets.ReadOnlyModelViewSet):
    """Party branches (``?temporary=1`` for the temporary ones)."""

    serializer_class = BranchSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        from django.db.models import Count

        branches = (
            PartyBranch.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .annotate(member_count=Count("members"))
            .order_by("pk")
        )
        if self.request.query_params.get("temporary") in {"1", "true"}:
            branches = branches.filter(temporary=True)
        return branches


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        from django.db.models import Count

        return (
            Team.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .annotate(member_count=Count("memberships"))
            .prefetch_related("dispatched_to")
            .order_by("pk")
        )


class PointEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The red points ledger in scope (``?worker=``)."""

    serializer_class = PointEntrySerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        entries = (
            PointEntry.objects.for_user(self.request.user)  # type: ignore[arg-type]
            .select_related("record_type", "area")
            .order_by("-day", "-pk")
        )
        if (worker := self.request.query_params.get("worker", "")).isdigit():
            entries = entries.filter(worker_id=int(worker))
        return entries
