from __future__ import annotations

from django.apps import apps
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fangkong.core.http import AuthedRequest
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.core.pagination import paginate
from fangkong.core.permissions import county_admin_required


@county_admin_required
def audit_log(request: AuthedRequest) -> HttpResponse:
    """Who revealed or exported what, when and from where, within the administrator's county."""
    events = AuditEvent.objects.for_user(request.user).select_related("area")
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        events = events.filter(action=action)
    if username := request.GET.get("user", "").strip():
        events = events.filter(username=username)
    page = paginate(request, events.order_by("-at", "-pk"), default_size=50)
    # object_type is the model's class name in lower case: shown as its verbose name.
    labels = {model.__name__.lower(): model._meta.verbose_name for model in apps.get_models()}
    for event in page:
        event.object_label = labels.get(event.object_type, event.object_type)  # type: ignore[attr-defined]
    return render(
        request,
        "core/audit_log.html",
        {"page": page, "actions": AuditAction.choices, "action": action, "username": username},
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 404 under ``/api/`` is JSON like the API's own (an id the URL patterns refuse never
    reaches DRF); elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)  # type: ignore[arg-type]
