"""Writing audit events: called by services in the same transaction as the work they record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from fangkong.core.models import AuditAction, AuditEvent

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.areas.models import Area


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    user: User | None,
    action: AuditAction,
    area: Area | None = None,
    obj: object | None = None,
    field: str = "",
    rows: int | None = None,
    ip: str | None = None,
    detail: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=user.get_username() if user is not None and user.is_authenticated else "",
        action=action,
        area=area,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        field=field,
        rows=rows,
        ip=ip,
        detail=detail[:500],
    )
