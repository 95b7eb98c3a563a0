"""Writing audit events: called by services in the same transaction as the work they record."""

from __future__ import annotations

import re
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


# An ID number, a mobile number or a landline (or a long part of one typed into a search box) is
# masked before it reaches the audit log: the log is read by more people than the register.
_NUMBER = re.compile(r"0\d{2,3}-\d{7,8}|\d{8,}[\dXx]?")


def scrub(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        value = match.group(0)
        return value[:3] + "*" * (len(value) - 7) + value[-4:]

    return _NUMBER.sub(mask, text)


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
        detail=scrub(detail)[:500],
    )
