"""Logins and failed logins go to the audit log, with the address they came from."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from fangkong.core.audit import audit_record, client_ip
from fangkong.core.models import AuditAction


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(user=user, action=AuditAction.LOGIN, area=user.area, ip=client_ip(request))


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    from fangkong.accounts.models import User

    username = str(credentials.get("username", ""))[:150]
    # Filed under the account's area (if the name exists) so its county administrator sees it.
    target = User.objects.filter(username=username).select_related("area").first()
    audit_record(
        user=None,
        action=AuditAction.LOGIN_FAILED,
        area=target.area if target else None,
        ip=client_ip(request),
        detail=username,
    )


def audit_locked_out(
    sender: Any, request: HttpRequest | None, username: str, **kwargs: Any
) -> None:
    """django-axes locked a login out (too many failures for the account or the address)."""
    from fangkong.accounts.models import User

    target = User.objects.filter(username=username).select_related("area").first()
    audit_record(
        user=None,
        action=AuditAction.LOGIN_FAILED,
        area=target.area if target else None,
        ip=client_ip(request),
        detail=f"{username[:100]}: locked out after too many failures",
    )


def _connect_axes() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(audit_locked_out, dispatch_uid="fangkong-axes-audit")


_connect_axes()
