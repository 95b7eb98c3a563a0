"""API tokens: hashed at rest, expiring, revoked on password change and logout.

The client sends ``Authorization: Token <token>`` as before; the server keeps only the token's
SHA-256 (a stolen database copy holds no usable token). ``api_token_issue`` makes one (the only
time it is shown), ``api_token_revoke`` ends one, ``api_tokens_revoke_all`` all of a user's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from fangkong.accounts.models import ApiToken, User
from fangkong.areas.models import Area
from fangkong.core import rows
from fangkong.core.audit import audit_record
from fangkong.core.models import AuditAction
from fangkong.core.rows import Columns

if TYPE_CHECKING:
    from django.http import HttpRequest


MUST_CHANGE_PASSWORD = _("Choose your own password first: the one you were given works only once.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "FANGKONG_API_TOKEN_DAYS", 30)))


def api_token_issue(*, user: User, ip: str | None = None) -> tuple[ApiToken, str]:
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        record = ApiToken.objects.create(
            user=user,
            digest=_digest(token),
            prefix=token[:8],
            expires_at=timezone.now() + token_lifetime(),
        )
        audit_record(
            user=user,
            action=AuditAction.CREATE,
            area=user.area,
            obj=record,
            ip=ip,
            detail=f"API token {record.prefix}… until {record.expires_at:%Y-%m-%d}",
        )
    return record, token


def api_token_revoke(*, token: ApiToken, by: User, ip: str | None = None) -> None:
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                user=by,
                action=AuditAction.DELETE,
                area=token.user.area,
                obj=token,
                ip=ip,
                detail=f"API token {token.prefix}… revoked",
            )


def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    return ApiToken.objects.live().filter(user=user).update(revoked_at=timezone.now())


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        record = _live_token(_digest(key))
        if record is None or not record.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if record.user.must_change_password:
            # the web pages send this user to the password form first; a token is no way round
            raise exceptions.PermissionDenied(MUST_CHANGE_PASSWORD)
        now = timezone.now()
        if record.last_used_at is None or now - record.last_used_at > dt.timedelta(minutes=5):
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        return record.user, record


_token_sql: list[tuple[str, Columns[Any], Columns[Any], Columns[Any]]] = []


def _live_token(digest: str) -> ApiToken | None:
    """The live token with its user and the user's area: one hand-written query (issue 19: the
    ORM spent longer compiling this SELECT on every API call than the database ran it)."""
    if not _token_sql:
        token, user, area = Columns(ApiToken, "t"), Columns(User, "u"), Columns(Area, "a")
        _token_sql.append(
            (
                f"SELECT {token.sql}, {user.sql}, {area.sql} FROM {token.table} t "  # noqa: S608 - names from the models
                f"JOIN {user.table} u ON u.id = t.user_id "
                f"LEFT JOIN {area.table} a ON a.id = u.area_id "
                "WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > %s",
                token,
                user,
                area,
            )
        )
    sql, token, user, area = _token_sql[0]
    row = rows.fetch_one(sql, [digest, rows.ts(timezone.now())])
    if row is None:
        return None
    record = token.build(row)
    owner = user.build(row, len(token))
    assert record is not None and owner is not None
    owner.area = area.build(row, len(token) + len(user))
    record.user = owner
    return record


@receiver(pre_save, sender=User)
def revoke_on_password_change(sender: Any, instance: User, **kwargs: Any) -> None:
    """A changed password ends every token (a stolen phone's token with it)."""
    if instance.pk is None or kwargs.get("raw"):
        return
    old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        api_tokens_revoke_all(user=instance, reason="password changed")


@receiver(user_logged_out)
def revoke_on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        api_tokens_revoke_all(user=user, reason="logged out")
