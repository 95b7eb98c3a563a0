"""Does the field key match the data? (the key check value stored in the database)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from fangkong.core import crypto

CHECK_TEXT = "fangkong field key check"
MISMATCH = (
    "字段加密密钥（FANGKONG_FIELD_KEY 或 {var}/keys.json）与写入本数据库时所用的密钥不符，"
    "身份证号和手机号都无法读取。请放回与本数据库备份一同保存的 keys.json（或 FANGKONG_FIELD_KEY）；"
    "如果刚刚误生成了新的 keys.json，请先删除它。密钥不对时 fangkong 不会启动。\n"
    "The field-encryption key (FANGKONG_FIELD_KEY or {var}/keys.json) does not match the one this "
    "database was written with, so no ID or phone number could be read. Restore the keys.json "
    "(or FANGKONG_FIELD_KEY) saved with the backup of this database; if a new keys.json was just "
    "made by mistake, remove it first. fangkong does not start with the wrong key."
)


def fingerprint() -> str:
    """A public fingerprint of the key (not the key): for messages and the backup recipe."""
    key = settings.FIELD_ENCRYPTION_KEY.encode()
    return hmac.new(key, b"fangkong-key-fingerprint", hashlib.sha256).hexdigest()[:16]


def key_state() -> str:
    """ "ok", "absent" (no check value yet), "mismatch", or "unknown" (no table / no database)."""
    from fangkong.core.models import FieldKeyCheck

    try:
        row = FieldKeyCheck.objects.order_by("pk").first()
    except DatabaseError:
        return "unknown"
    if row is None:
        return "absent"
    try:
        ok = crypto.decrypt(row.sealed) == CHECK_TEXT
    except Exception:  # wrong key: the tag does not verify
        ok = False
    return "ok" if ok else "mismatch"


def record_key() -> None:
    """Store the check value if there is none (after migrate)."""
    from fangkong.core.models import FieldKeyCheck

    if key_state() == "absent":
        FieldKeyCheck.objects.create(fingerprint=fingerprint(), sealed=crypto.encrypt(CHECK_TEXT))


def message() -> str:
    return MISMATCH.format(var=settings.VAR_DIR)


def ensure_key_matches() -> None:
    """Called by the WSGI application at start-up: refuse to serve with the wrong key."""
    if key_state() == "mismatch":
        raise ImproperlyConfigured(message())


@register()
def check_field_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every management command (runserver, migrate, db_worker ...) stops on the wrong key."""
    if key_state() == "mismatch":
        return [Error(message(), id="fangkong.E001")]
    return []


def on_post_migrate(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("using", "default") == "default":
        record_key()
