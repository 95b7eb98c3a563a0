"""Who may do what: the one access table of fangkong (roles × capabilities).

A user holds one role and one area. The table says what the role may do; the area says where:
every capability applies to the user's area and what lies below it, never to another area (the
QuerySets' ``for_user`` answers a stranger's id with 404). A service checks a write with
``require(by, area, capability)``; a page or an API view asks ``may(user, capability)``; the README's
table "Who may do what" is rendered from ``ACCESS`` (``access_table_markdown``), so the code and the
documentation cannot disagree.

A capability is ``<subject>.<verb>``, the verbs being:

- ``read``: see the records and lists (in the user's area);
- ``write``: record the daily work (a visit, a temperature, a passage, an errand done, a hand-out);
- ``export``: take the records away as a file (audited): only the roles that report upward;
- ``reveal``: see a full ID or phone number instead of the masked one (audited);
- ``manage``: set up and correct what others work with (rounds, checkpoints, passes, rosters,
  stores, care plans, releases, the report's settings, the area tree, accounts).

Least privilege (issue 15): checkpoint staff and volunteers get what the checkpoint desk, their
shifts, errands and hand-outs need, and not the register (neither its lists nor its export).

Stock (issue 17): who hands out from a store is the store's own area's staff (the people of the
store's area and of the groups and grids inside it: ``supplies.write``); the storekeepers above it
(``supplies.manage``, the explicit grant) may hand out from any store of their area.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import ADMINISTRATIVE_LEVELS, Area, Level


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province / system administrator")
    COUNTY_ADMIN = "county_admin", _("County administrator")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    VILLAGE_CADRE = "village_cadre", _("Village cadre")
    GRID_WORKER = "grid_worker", _("Grid worker")
    DOCTOR = "doctor", _("Village doctor")
    CHECKPOINT_STAFF = "checkpoint_staff", _("Checkpoint staff")
    INSPECTOR = "inspector", _("Inspector")
    VIEWER = "viewer", _("Read-only viewer")


class Verb(StrEnum):
    READ = "read"
    WRITE = "write"
    EXPORT = "export"
    REVEAL = "reveal"
    MANAGE = "manage"


class Cap(StrEnum):
    """Every capability the code checks; ``<subject>.<verb>``."""

    # the household and resident register (registry)
    REGISTER_READ = "register.read"
    REGISTER_WRITE = "register.write"  # households, residents, imports
    REGISTER_EXPORT = "register.export"
    REGISTER_REVEAL = "register.reveal"
    REGISTER_MANAGE = "register.manage"  # take a household in from another county
    # screening (摸底排查)
    SCREENING_READ = "screening.read"
    SCREENING_WRITE = "screening.write"  # household visits
    SCREENING_MANAGE = "screening.manage"  # rounds
    LISTS_WRITE = "lists.write"  # close an entry of a reconciliation list (协查名单)
    LISTS_MANAGE = "lists.manage"  # upload the lists
    RISK_AREAS_MANAGE = "risk_areas.manage"  # the dated risk areas of the county
    # key-person monitoring
    MONITORING_READ = "monitoring.read"
    MONITORING_WRITE = "monitoring.write"  # open cases, temperatures, alerts
    MONITORING_MANAGE = "monitoring.manage"  # release (解除医学观察)
    # the daily report
    REPORTS_READ = "reports.read"
    REPORTS_WRITE = "reports.write"  # submit, amend
    REPORTS_EXPORT = "reports.export"
    REPORTS_MANAGE = "reports.manage"  # the county's figures and due times
    # checkpoints and passes
    CHECKPOINTS_READ = "checkpoints.read"
    CHECKPOINTS_WRITE = "checkpoints.write"  # passages, pass scans, self-registrations
    CHECKPOINTS_MANAGE = "checkpoints.manage"  # checkpoints, passes
    # duty, shifts, points
    DUTY_READ = "duty.read"
    DUTY_MANAGE = "duty.manage"  # rosters, assignments, swaps
    # care: errands (红色代办) and care plans
    CARE_READ = "care.read"
    CARE_WRITE = "care.write"  # errands, care visits
    CARE_MANAGE = "care.manage"  # care plans
    ERRANDS_MANAGE = "errands.manage"  # reassign or close another helper's errand
    # supplies
    SUPPLIES_READ = "supplies.read"
    SUPPLIES_WRITE = "supplies.write"  # hand out from the store of one's own area
    SUPPLIES_MANAGE = "supplies.manage"  # stores, receipts, transfers, donations; any store below
    # field measures
    MEASURES_READ = "measures.read"
    MEASURES_WRITE = "measures.write"  # disinfection, gatherings, venue checks, publicity
    MEASURES_MANAGE = "measures.manage"  # the key places to disinfect
    INSPECTIONS_WRITE = "inspections.write"  # inspections, findings, accountability
    FINDINGS_WRITE = "findings.write"  # close a finding (rectified)
    # the foundation
    AREAS_MANAGE = "areas.manage"
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_READ = "audit.read"

    @property
    def subject(self) -> str:
        return self.value.split(".")[0]

    @property
    def verb(self) -> Verb:
        return Verb(self.value.split(".")[1])


def _caps(*caps: Cap) -> frozenset[Cap]:
    return frozenset(caps)


_READ_ALL = _caps(*(c for c in Cap if c.verb is Verb.READ and c is not Cap.AUDIT_READ))
# What every role that writes the register does in the field.
_FIELD = _caps(
    Cap.REGISTER_WRITE,
    Cap.REGISTER_REVEAL,
    Cap.SCREENING_WRITE,
    Cap.LISTS_WRITE,
    Cap.MONITORING_WRITE,
    Cap.CHECKPOINTS_WRITE,
    Cap.CARE_WRITE,
    Cap.CARE_MANAGE,
    Cap.SUPPLIES_WRITE,
    Cap.MEASURES_WRITE,
    Cap.MEASURES_MANAGE,
    Cap.FINDINGS_WRITE,
)
# What the cadres who report upward add: exports, the report, and setting up the work.
_REPORTING = _caps(
    Cap.REGISTER_EXPORT,
    Cap.REPORTS_WRITE,
    Cap.REPORTS_EXPORT,
    Cap.SCREENING_MANAGE,
    Cap.MONITORING_MANAGE,
    Cap.CHECKPOINTS_MANAGE,
    Cap.DUTY_MANAGE,
    Cap.ERRANDS_MANAGE,
    Cap.SUPPLIES_MANAGE,
)

# Roles that work in the field (errands, hand-outs, key places ...): whom work may be given to.
# Filled below from the table.
FIELD_ROLES: frozenset[Role]

# THE TABLE. One row per role; what is not written here is refused.
ACCESS: Mapping[Role, frozenset[Cap]] = {
    # Creates counties and their first administrator (``/accounts/counties/``); bound to no
    # area, so nothing in any county (the county administrator runs the county).
    Role.PROVINCE_ADMIN: _caps(),
    Role.COUNTY_ADMIN: _READ_ALL
    | _FIELD
    | _REPORTING
    | _caps(
        Cap.REGISTER_MANAGE,
        Cap.LISTS_MANAGE,
        Cap.RISK_AREAS_MANAGE,
        Cap.INSPECTIONS_WRITE,
        Cap.REPORTS_MANAGE,
        Cap.AREAS_MANAGE,
        Cap.ACCOUNTS_MANAGE,
        Cap.AUDIT_READ,
    ),
    Role.TOWNSHIP_OFFICER: _READ_ALL
    | _FIELD
    | _REPORTING
    | _caps(Cap.LISTS_MANAGE, Cap.INSPECTIONS_WRITE),
    Role.VILLAGE_CADRE: _READ_ALL | _FIELD | _REPORTING,
    Role.GRID_WORKER: _READ_ALL | _FIELD,
    Role.DOCTOR: _READ_ALL | _FIELD | _caps(Cap.MONITORING_MANAGE),
    # The desk, the shifts, errands and hand-outs: not the register, not its export.
    Role.CHECKPOINT_STAFF: (_READ_ALL - _caps(Cap.REGISTER_READ))
    | _caps(Cap.CHECKPOINTS_WRITE, Cap.CARE_WRITE, Cap.SUPPLIES_WRITE, Cap.MEASURES_WRITE),
    Role.INSPECTOR: _READ_ALL | _caps(Cap.INSPECTIONS_WRITE, Cap.FINDINGS_WRITE),
    Role.VIEWER: _READ_ALL,
}


def roles_with(capability: Cap) -> frozenset[Role]:
    """The roles the table grants ``capability``."""
    return frozenset(role for role, caps in ACCESS.items() if capability in caps)


FIELD_ROLES = roles_with(Cap.CARE_WRITE)


def caps_of(role: str) -> frozenset[Cap]:
    return ACCESS.get(role, frozenset())  # type: ignore[call-overload]  # a Role is its str


def may(user: Any, capability: Cap, area: Area | None = None) -> bool:
    """The user's role holds ``capability`` and (when given) ``area`` lies in the user's area."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "area_id", None) is None:
        return False
    if not getattr(user, "is_active", True) or capability not in caps_of(user.role):
        return False
    return area is None or area.is_within(user.area)


def require(by: Any, area: Area | None, capability: Cap) -> Area:
    """What every service calls before it writes: PermissionDenied unless ``may``. Returns the
    user's own area (the scope of what follows)."""
    if not may(by, capability, area):
        raise PermissionDenied
    return by.area  # type: ignore[no-any-return]


def may_hand_out(user: Any, store_area: Area) -> bool:
    """A hand-out from a store: its own area's staff (the store's area, or a group or grid inside
    a village store's area), or a storekeeper at or above the store's area."""
    if may(user, Cap.SUPPLIES_MANAGE, store_area):
        return True
    if not may(user, Cap.SUPPLIES_WRITE) or not user.area.is_within(store_area):
        return False
    # Groups and grids lie inside a village: inside a village store's area, they are its own.
    return user.area_id == store_area.pk or (
        store_area.level == Level.VILLAGE and user.area.level not in ADMINISTRATIVE_LEVELS
    )


def require_hand_out(by: Any, store_area: Area) -> None:
    if not may_hand_out(by, store_area):
        raise PermissionDenied


def access_table_markdown() -> str:
    """The README's table: a row per role, a column per verb, the subjects in each cell."""
    verbs = list(Verb)
    lines = [
        "| role | " + " | ".join(v.value for v in verbs) + " |",
        "| --- |" + " --- |" * len(verbs),
    ]
    for role, caps in ACCESS.items():
        cells = []
        for verb in verbs:
            subjects = sorted(c.subject for c in caps if c.verb is verb)
            cells.append(", ".join(subjects) or "—")
        lines.append(f"| `{role.value}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
