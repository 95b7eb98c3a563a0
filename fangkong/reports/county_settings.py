"""A county's own settings, set by its administrator on one page (and ``/api/v1/county-settings``):

- the report day and the due times (``ReportDeadline``): the cut-off of the report day
  (截至下午4时), when villages, townships and the county report, until when villages may amend
  alone;
- the temperature check-ins and case ends (the county's own ``ObservationPolicy``): the names
  and windows of the two daily slots, and how long a mistaken end may be undone.

A policy is dated: a change makes the county's own policy in force from today (a copy of the one
in force, changed), so cases opened before keep the slots they were opened under. Every change
is audited with the names of the settings changed (no personal data is involved).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.accounts.models import User
from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record
from fangkong.core.clock import today_local
from fangkong.core.models import AuditAction
from fangkong.monitoring.models import ObservationPolicy
from fangkong.reports.models import DEFAULT_CUTOFF, ReportDeadline

REPORT_FIELDS = ["cutoff", "deadline", "township_deadline", "county_deadline", "amend_alone_until"]
POLICY_FIELDS = [
    "slot1_name",
    "slot1_start",
    "slot1_end",
    "slot2_name",
    "slot2_start",
    "slot2_end",
    "end_undo_hours",
]
FIELDS = REPORT_FIELDS + POLICY_FIELDS
END_UNDO_MAX_HOURS = 720  # 30 days
SLOT_NAME_MAX = 20


def _deadline(county: Area) -> ReportDeadline:
    return ReportDeadline.objects.filter(county=county).first() or ReportDeadline(county=county)


def policy_in_force(county: Area, day: dt.date | None = None) -> ObservationPolicy:
    """The policy in force for the county that day; when none is (a database without the seeded
    2020 policy, or one that was deleted), the standard values, unsaved: saving the settings
    makes them the county's own policy from today."""
    day = day or today_local()
    policy = ObservationPolicy.objects.in_force_on(day, county)
    if policy is None:
        return ObservationPolicy(
            county=county, effective_from=day, name=f"{county.name} {day.isoformat()}"[:100]
        )
    return policy


def county_settings(county: Area) -> dict[str, Any]:
    """The settings in force for the county today, by name (``policy`` unsaved when none is in
    force: the standard values)."""
    deadline = _deadline(county)
    policy = policy_in_force(county)
    values: dict[str, Any] = {name: getattr(deadline, name) for name in REPORT_FIELDS}
    values |= {name: getattr(policy, name) for name in POLICY_FIELDS}
    values["policy"] = policy
    return values


def _check_order(values: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not (values["deadline"] <= values["township_deadline"] <= values["county_deadline"]):
        errors["township_deadline"] = _(
            "Villages report first, then townships, then the county: the times must be in that "
            "order."
        )
    if not values["slot1_start"] < values["slot1_end"]:
        errors["slot1_end"] = _("The first check-in must end after it starts.")
    elif not values["slot1_end"] <= values["slot2_start"]:
        errors["slot2_start"] = _("The second check-in starts when the first has ended or later.")
    elif not values["slot2_start"] < values["slot2_end"]:
        errors["slot2_end"] = _("The second check-in must end after it starts.")
    hours = values["end_undo_hours"]
    if not isinstance(hours, int) or not 0 <= hours <= END_UNDO_MAX_HOURS:
        errors["end_undo_hours"] = _("Between 0 and %(n)d hours.") % {"n": END_UNDO_MAX_HOURS}
    for name in ("slot1_name", "slot2_name"):
        if len(values[name] or "") > SLOT_NAME_MAX:
            errors[name] = _("At most %(n)d characters.") % {"n": SLOT_NAME_MAX}
    if errors:
        raise ValidationError(errors)


def county_settings_update(
    *, by: User, county: Area, values: Mapping[str, Any], ip: str | None = None
) -> list[str]:
    """Change some of the county's settings (the others stay); returns the names changed.
    All are checked together, and nothing is written unless all are right."""
    require(by, county, Cap.REPORTS_MANAGE)
    if county.level != Level.COUNTY:
        raise ValidationError(_("Settings are set by a county."))
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown setting.") for name in sorted(unknown)})
    current = county_settings(county)
    merged = {name: current[name] for name in FIELDS} | dict(values)
    merged["cutoff"] = merged["cutoff"] or DEFAULT_CUTOFF
    merged["slot1_name"] = (merged["slot1_name"] or "").strip()
    merged["slot2_name"] = (merged["slot2_name"] or "").strip()
    _check_order(merged)
    changed = [name for name in FIELDS if merged[name] != current[name]]
    if current["policy"].pk is None:  # none in force: saving the standard values makes it
        changed += [name for name in POLICY_FIELDS if name not in changed]
    if not changed:
        return []
    with transaction.atomic():
        if set(changed) & set(REPORT_FIELDS):
            deadline = _deadline(county)
            for name in REPORT_FIELDS:
                setattr(deadline, name, merged[name])
            deadline.save()
        if set(changed) & set(POLICY_FIELDS):
            _policy_update(county, current["policy"], merged)
        audit_record(
            user=by,
            action=AuditAction.UPDATE,
            area=county,
            obj=county,
            ip=ip,
            detail="county settings: " + ", ".join(changed),
        )
    return changed


def _policy_update(
    county: Area, current: ObservationPolicy, values: Mapping[str, Any]
) -> ObservationPolicy:
    """The county's own policy from today: today's own one changed, or a copy of the one in
    force (so that the cases opened before keep theirs)."""
    today = today_local()
    if current.pk is None or (current.county_id == county.pk and current.effective_from == today):
        policy = current  # none was in force (the standard values), or today's own
    else:
        policy = ObservationPolicy.objects.get(pk=current.pk)
        policy.pk = None
        policy.county = county
        policy.effective_from = today
        policy.name = f"{county.name} {today.isoformat()}"[:100]
    for name in POLICY_FIELDS:
        setattr(policy, name, values[name])
    policy.save()
    return policy
