"""The Django admin is for operators, not the daily path. Records that services own (the register,
cases and their history, check-ins, passages, passes, visits, ledger entries, report snapshots,
the audit log) are read-only there: every change goes through the pages, the API or a command,
where scope, rules and the audit log apply."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fangkong.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: no add, no change, no delete.

    ``labels`` gives Chinese labels (lazy translations) to fields whose model has none worth
    showing, in the list and on the record's page, without touching the model."""

    labels: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            shown = admin.display(description=label)(lambda obj, name=name: getattr(obj, name))
            setattr(self, f"{name}_shown", shown)

    def _labelled(self, names: Any) -> list[Any]:
        return [f"{n}_shown" if n in self.labels else n for n in names]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._labelled(super().get_fields(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_readonly_fields(request, obj), *(f"{n}_shown" for n in self.labels)]

    def get_list_display(self, request: HttpRequest) -> Any:
        return self._labelled(super().get_list_display(request))

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
