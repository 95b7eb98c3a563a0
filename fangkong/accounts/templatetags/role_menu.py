"""The menu of each role: the few pages the role uses every day, the rest behind "more"."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fangkong.accounts.access import Cap
from fangkong.accounts.models import Role

register = template.Library()

# Every page of the menu: key → (label, URL name). Labels are translated when shown.
PAGES: dict[str, tuple[str, str]] = {
    "households": (N_("Households"), "registry:household_list"),
    "screening": (N_("Screening"), "screening:round_list"),
    "monitoring": (N_("Monitoring"), "monitoring:today"),
    "temperatures": (N_("Temperatures"), "monitoring:checkin_batch"),
    "alerts": (N_("Alerts"), "monitoring:alert_list"),
    "sheets": (N_("Self-report sheets"), "monitoring:case_sheets"),
    "village_help": (N_("Number to call and fever advice"), "monitoring:my_village_help"),
    "checkpoints": (N_("Checkpoints"), "checkpoints:list"),
    "duty": (N_("Duty"), "workforce:today"),
    "errands": (N_("Errands"), "care:errand_list"),
    "supplies": (N_("Supplies"), "supplies:index"),
    "measures": (N_("Measures"), "measures:index"),
    "reports": (N_("Daily report"), "reports:index"),
    "areas": (N_("Areas"), "areas:tree"),
    "import": (N_("Import"), "registry:import_upload"),
    "export": (N_("Export"), "registry:export"),
    "accounts": (N_("Accounts"), "accounts:user_list"),
    "audit": (N_("Audit log"), "core:audit_log"),
}
# What each role uses every day, in the order of its day.
PRIMARY: dict[str, list[str]] = {
    Role.GRID_WORKER: ["screening", "temperatures", "errands"],
    Role.DOCTOR: ["temperatures", "alerts", "monitoring"],
    Role.CHECKPOINT_STAFF: ["checkpoints", "duty"],
    Role.VILLAGE_CADRE: ["reports", "monitoring", "households"],
    Role.TOWNSHIP_OFFICER: ["reports", "monitoring", "checkpoints"],
    Role.COUNTY_ADMIN: ["reports", "monitoring", "areas"],
    Role.INSPECTOR: ["measures", "reports"],
    Role.VIEWER: ["reports"],
}
WRITERS_ONLY = {"temperatures", "import", "sheets"}


@register.simple_tag(takes_context=True)
def role_menu(context: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    user = context["request"].user
    keys = [k for k in PAGES if k not in WRITERS_ONLY or user.can_write_register]
    # The access rules decide what a role may open (accounts.models): the menu only follows them.
    hidden = set()
    if not getattr(user, "can_read_register", True):
        hidden.add("households")
    if not getattr(user, "can_export_register", True):
        hidden.add("export")
    if not user.is_county_admin:
        hidden |= {"audit", "accounts"}
    if not user.may(Cap.MONITORING_MANAGE, user.area):
        hidden.add("village_help")
    keys = [k for k in keys if k not in hidden]
    primary = [k for k in PRIMARY.get(user.role, []) if k in keys]

    def entry(key: str) -> tuple[str, str]:
        label, name = PAGES[key]
        return _(label), reverse(name)

    return {
        "primary": [entry(k) for k in primary],
        "more": [entry(k) for k in keys if k not in primary],
    }
