"""Writing audit events: called by services in the same transaction as the work they record.
An edit's row says which fields changed (``snapshot`` before, ``changes`` after)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.http import HttpRequest

from fangkong.core.masking import mask_id, mask_phone
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.core.rows import Insert

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
    codes_only: bool = False,
) -> AuditEvent:
    """One row of the audit log. ``detail`` is scrubbed of anything that looks like an ID or phone
    number, unless ``codes_only`` says it holds nothing but statistical division codes (an area's
    code corrected: the old and new codes must stay readable). Inside ``rows.together()`` the row
    is sent at the end of the block, with the others (its key then stays None)."""
    return _INSERT.later(
        AuditEvent(
            user=user if user is not None and user.is_authenticated else None,
            username=user.get_username() if user is not None and user.is_authenticated else "",
            action=action,
            area=area,
            object_type=type(obj).__name__.lower() if obj is not None else "",
            object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
            field=field,
            rows=rows,
            ip=ip,
            detail=(detail if codes_only else scrub(detail))[:500],
        )
    )


# Written on every write of the product: its INSERT spelled once per process (issue 19).
_INSERT = Insert(AuditEvent)


# Personal fields: an audit row says that they changed, never what they hold; ID and phone numbers
# are shown masked (old → new) so that a correction can still be told from a replacement.
_MASKED = {"id_number": "id", "phone": "phone"}


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, object]:
    """The values of ``fields`` now: taken before an edit, given to ``changes`` after it."""
    return {
        name: getattr(obj, f"{name}_id" if _is_relation(obj, name) else name) for name in fields
    }


def changes(before: dict[str, object], obj: object, *, personal: Iterable[str] = ()) -> str:
    """What an edit changed, for an audit row's detail: ``area: 12 → 15; phone: 138****5678 →
    139****1234; name``. Personal fields are named only (masked values for ID and phone)."""
    personal = set(personal)
    parts = []
    for name, old in before.items():
        new = getattr(obj, f"{name}_id" if _is_relation(obj, name) else name)
        if old == new:
            continue
        if name in _MASKED:
            mask = mask_id if _MASKED[name] == "id" else mask_phone
            parts.append(f"{name}: {mask(str(old or ''))} → {mask(str(new or ''))}")
        elif name in personal:
            parts.append(name)
        else:
            parts.append(f"{name}: {_shown(old)} → {_shown(new)}")
    return "; ".join(parts)


def _is_relation(obj: object, name: str) -> bool:
    meta = getattr(obj, "_meta", None)
    if meta is None:
        return False
    try:
        return bool(meta.get_field(name).many_to_one)
    except Exception:  # noqa: BLE001 - not a model field: a plain attribute
        return False


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"
