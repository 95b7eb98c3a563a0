"""The Django admin is for operators, not the daily path. Records that services own (the register,
cases and their history, check-ins, passages, passes, visits, ledger entries, report snapshots,
the audit log) are read-only there: every change goes through the pages, the API or a command,
where scope, rules and the audit log apply."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fangkong.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: no add, no change, no delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "object_type", "object_id", "field", "rows", "ip"]
    list_filter = ["action"]
    search_fields = ["username", "object_id"]
