from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.monitoring.models import Alert, CaseEvent, CheckIn, ObservationCase, ObservationPolicy


@admin.register(ObservationPolicy)
class ObservationPolicyAdmin(admin.ModelAdmin):
    """Policies are dated: add a new one from a date rather than editing one cases already use."""

    list_display = ["name", "effective_from", "home_days", "centralised_days", "fever_threshold"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: ObservationPolicy | None = None
    ) -> Any:
        # A policy that cases already use is history: change the rules by adding a new policy.
        if obj is not None and ObservationCase.objects.filter(policy=obj).exists():
            return [f.name for f in ObservationPolicy._meta.fields]
        return super().get_readonly_fields(request, obj)


@admin.register(ObservationCase)
class ObservationCaseAdmin(ReadOnlyAdmin):
    list_display = ["resident", "category", "mode", "status", "start_date", "planned_end"]
    list_filter = ["status", "category", "mode"]
    raw_id_fields = ["resident", "grid_worker", "doctor"]
    readonly_fields = ["policy", "period_days"]


class _OfCase(ReadOnlyAdmin):
    labels = {"case": _("observation case")}


@admin.register(CaseEvent)
class CaseEventAdmin(_OfCase):
    labels = {**_OfCase.labels, "from_status": _("status before"), "to_status": _("status after")}
    list_display = ["case", "kind", "at", "by"]
    raw_id_fields = ["case", "by"]


@admin.register(CheckIn)
class CheckInAdmin(_OfCase):
    list_display = ["case", "date", "slot", "temperature", "source"]
    raw_id_fields = ["case", "by"]


@admin.register(Alert)
class AlertAdmin(_OfCase):
    labels = {**_OfCase.labels, "checkin": _("temperature check-in")}
    list_display = ["case", "kind", "date", "slot", "handled_at"]
    raw_id_fields = ["case", "checkin", "handled_by"]
