"""The audit log: every export and every reveal of a full personal value leaves a row here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from fangkong.accounts.models import User


class AuditAction(models.TextChoices):
    REVEAL = "reveal", _("Revealed a full value")
    EXPORT = "export", _("Exported")
    IMPORT = "import", _("Imported")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_user(self, user: User) -> AuditEventQuerySet:
        """Events in the user's subtree (by the area the event concerns or the actor's area)."""
        if not user.is_authenticated or user.area is None:
            return self.none()
        prefix = user.area.path
        return self.filter(
            models.Q(area__path__startswith=prefix) | models.Q(user__area__path__startswith=prefix)
        )


class AuditEvent(models.Model):
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object"), max_length=50, blank=True)
    field = models.CharField(_("field"), max_length=50, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"


class FieldKeyCheck(models.Model):
    """One row, written when the database is first migrated: a fixed text encrypted with the field
    key. At start-up fangkong decrypts it; a different key (a lost or mixed-up ``keys.json``)
    stops the server with a clear message instead of answering 500 on every register page."""

    fingerprint = models.CharField(max_length=64)
    sealed = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("field key check")

    def __str__(self) -> str:
        return f"field key {self.fingerprint}"


class IdempotencyKey(models.Model):
    """A write sent with a key (``Idempotency-Key`` on the API, a hidden field on a form): the
    first answer is kept, a retry with the same key gets it back and writes nothing. One key per
    user; the fingerprint of the request tells a retry from another request reusing the key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    path = models.CharField(max_length=200)
    status_code = models.PositiveSmallIntegerField(default=0)
    body = models.JSONField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ScheduledJob(models.Model):
    """A periodic job of the task worker (``fangkong worker``): when it is next due. A worker's
    scheduler claims a due job by moving ``next_run_at`` forward in the same transaction that
    enqueues its task, so two workers never both run one turn."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
