"""Writes of the field measures. Disinfection takes its agent from stock through the supplies
service, in the same transaction: no stock, no record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.areas.models import Area
from fangkong.core.audit import audit_record
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.measures.models import (
    CHECKLIST_KEYS,
    Accountability,
    AccountabilityMeasure,
    Disinfection,
    Finding,
    Gathering,
    GatheringKind,
    GatheringOutcome,
    Inspection,
    InspectionMode,
    KeyPlace,
    PlaceKind,
    Publicity,
    PublicityKind,
    Venue,
    VenueCheck,
    VenueKind,
    VenueStatus,
)
from fangkong.supplies import services as supplies
from fangkong.supplies.models import Item, RecipientKind, Store

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def _today(at: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(at or timezone.now(), local_tz())


def _not_future(day: dt.date, field: str = "day") -> None:
    if day > _today():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _required(value: str, field: str, message: str, length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value[:length]


# --- disinfection -----------------------------------------------------------------------------


@transaction.atomic
def place_create(
    *,
    by: User,
    area: Area,
    name: str,
    kind: str,
    responsible: User | None = None,
    since: dt.date | None = None,
) -> KeyPlace:
    """A key place on the daily disinfection plan of its area."""
    require(by, area, Cap.MEASURES_MANAGE)
    name = _required(name, "name", _("Name the place."), 100)
    if kind not in PlaceKind.values:
        raise ValidationError({"kind": _("Choose the kind of place.")})
    if responsible is not None and (
        not responsible.may(Cap.MEASURES_WRITE) or not responsible.can_see_area(area)
    ):
        raise ValidationError({"responsible": _("Choose a person who covers this place.")})
    if KeyPlace.objects.filter(county_id=area.county_id, area=area, name=name).exists():
        raise ValidationError({"name": _("This place is already on the plan.")})
    place = KeyPlace(
        area=area, name=name, kind=kind, responsible=responsible, since=since or _today()
    )
    place.save()
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=place)
    return place


@transaction.atomic
def place_retire(*, by: User, place: KeyPlace, until: dt.date) -> KeyPlace:
    require(by, place.area, Cap.MEASURES_MANAGE)
    if until < place.since:
        raise ValidationError({"until": _("The end cannot be before the start.")})
    place.until = until
    place.save(update_fields=["until"])
    audit_record(user=by, action=AuditAction.UPDATE, area=place.area, obj=place)
    return place


@transaction.atomic
def disinfection_record(
    *,
    by: User,
    place: KeyPlace,
    day: dt.date | None = None,
    agent: Item | None = None,
    quantity: object = 0,
    store: Store | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Disinfection:
    """Who disinfected the place; the agent used is handed out of ``store`` to that person.
    Not enough in stock: a clear error and nothing written."""
    at = at or timezone.now()
    day = day or _today(at)
    require(by, place.area, Cap.MEASURES_WRITE)
    if day > _today(at):
        raise ValidationError({"day": _("The date cannot be in the future.")})
    if day < place.since or (place.until is not None and day > place.until):
        raise ValidationError({"day": _("This place is not on the plan on that day.")})
    entry = None
    if agent is not None:
        if store is None:
            raise ValidationError({"store": _("Choose the store the agent is taken from.")})
        entry = supplies.stock_hand_out(
            by=by,
            store=store,
            item=agent,
            quantity=quantity,
            recipient_kind=RecipientKind.STAFF,
            staff=by,
            note=_("Disinfection: %(place)s") % {"place": place.name},
            at=at,
            # Dated by the disinfection, not by the typing: a disinfection typed the next day
            # hands its agent out on the day it was used (and says why it is late).
            on=day,
            late_reason=_("Agent used in the disinfection of %(day)s, recorded later.")
            % {"day": day.isoformat()},
        )
    record = Disinfection(
        place=place, day=day, at=at, by=by, entry=entry, note=(note or "").strip()[:300]
    )
    record.save()
    audit_record(user=by, action=AuditAction.CREATE, area=place.area, obj=record)
    return record


# --- gatherings -------------------------------------------------------------------------------


@transaction.atomic
def gathering_report(
    *,
    by: User,
    area: Area,
    kind: str,
    family: str,
    event_date: dt.date,
    reported_on: dt.date | None = None,
    expected_people: int | None = None,
    outcome: str = GatheringOutcome.PENDING,
    note: str = "",
) -> Gathering:
    require(by, area, Cap.MEASURES_WRITE)
    if kind not in GatheringKind.values:
        raise ValidationError({"kind": _("Choose the kind of gathering.")})
    family = _required(family, "family", _("Name the family."), 100)
    reported_on = reported_on or _today()
    _not_future(reported_on, "reported_on")
    if outcome not in GatheringOutcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    gathering = Gathering(
        area=area,
        kind=kind,
        family=family,
        event_date=event_date,
        reported_on=reported_on,
        expected_people=expected_people,
        outcome=outcome,
        outcome_on=None if outcome == GatheringOutcome.PENDING else reported_on,
        note=(note or "").strip()[:300],
        by=by,
    )
    gathering.save()
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=gathering)
    return gathering


@transaction.atomic
def gathering_outcome(
    *, by: User, gathering: Gathering, outcome: str, day: dt.date | None = None, note: str = ""
) -> Gathering:
    require(by, gathering.area, Cap.MEASURES_WRITE)
    if outcome not in GatheringOutcome.values or outcome == GatheringOutcome.PENDING:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    day = day or _today()
    _not_future(day)
    if day < gathering.reported_on:
        raise ValidationError({"day": _("The outcome cannot come before the report.")})
    gathering.outcome = outcome
    gathering.outcome_on = day
    if note.strip():
        gathering.note = note.strip()[:300]
    gathering.save(update_fields=["outcome", "outcome_on", "note"])
    audit_record(user=by, action=AuditAction.UPDATE, area=gathering.area, obj=gathering)
    return gathering


# --- venues -----------------------------------------------------------------------------------


def _check_venue(*, status: str, conditions: str) -> str:
    if status not in VenueStatus.values:
        raise ValidationError({"status": _("Choose the status.")})
    conditions = (conditions or "").strip()
    if status == VenueStatus.CONDITIONS and not conditions:
        raise ValidationError({"conditions": _("Say on which conditions it may open.")})
    return conditions[:300]


@transaction.atomic
def venue_create(
    *,
    by: User,
    area: Area,
    name: str,
    kind: str,
    status: str,
    address: str = "",
    conditions: str = "",
    day: dt.date | None = None,
) -> Venue:
    """A venue and its status from its first check."""
    require(by, area, Cap.MEASURES_WRITE)
    name = _required(name, "name", _("Name the venue."), 100)
    if kind not in VenueKind.values:
        raise ValidationError({"kind": _("Choose the kind of venue.")})
    conditions = _check_venue(status=status, conditions=conditions)
    if Venue.objects.filter(county_id=area.county_id, area=area, name=name).exists():
        raise ValidationError({"name": _("This venue is already registered.")})
    venue = Venue(area=area, name=name, kind=kind, address=(address or "").strip()[:200])
    venue.save()
    day = day or _today()
    _not_future(day)
    VenueCheck(venue=venue, day=day, status=status, conditions=conditions, by=by).save()
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=venue)
    return venue


@transaction.atomic
def venue_check(
    *,
    by: User,
    venue: Venue,
    status: str,
    complied: bool = True,
    conditions: str = "",
    day: dt.date | None = None,
) -> VenueCheck:
    require(by, venue.area, Cap.MEASURES_WRITE)
    conditions = _check_venue(status=status, conditions=conditions)
    day = day or _today()
    _not_future(day)
    check = VenueCheck(
        venue=venue, day=day, status=status, conditions=conditions, complied=complied, by=by
    )
    check.save()
    audit_record(user=by, action=AuditAction.CREATE, area=venue.area, obj=check)
    return check


# --- publicity --------------------------------------------------------------------------------


@transaction.atomic
def publicity_record(
    *, by: User, area: Area, kind: str, quantity: int, day: dt.date | None = None, note: str = ""
) -> Publicity:
    require(by, area, Cap.MEASURES_WRITE)
    if kind not in PublicityKind.values:
        raise ValidationError({"kind": _("Choose the kind of publicity.")})
    if not 1 <= int(quantity) <= 1_000_000:
        raise ValidationError({"quantity": _("Enter a number from 1 to 1,000,000.")})
    day = day or _today()
    _not_future(day)
    record = Publicity(
        area=area,
        kind=kind,
        quantity=int(quantity),
        day=day,
        note=(note or "").strip()[:300],
        by=by,
    )
    record.save()
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=record)
    return record


# --- inspections ------------------------------------------------------------------------------


@transaction.atomic
def inspection_record(
    *,
    by: User,
    area: Area,
    day: dt.date,
    mode: str,
    checklist: Mapping[str, bool],
    team: str = "",
    summary: str = "",
) -> Inspection:
    """An inspection visit; ``checklist`` says for each item looked at whether it was in order."""
    require(by, area, Cap.INSPECTIONS_WRITE)
    _not_future(day)
    if mode not in InspectionMode.values:
        raise ValidationError({"mode": _("Choose how the inspection was made.")})
    unknown = set(checklist) - set(CHECKLIST_KEYS)
    if unknown:
        raise ValidationError(
            {
                "checklist": _("Unknown checklist items: %(items)s")
                % {"items": ", ".join(sorted(unknown))}
            }
        )
    if not checklist:
        raise ValidationError({"checklist": _("Tick at least one item that was looked at.")})
    inspection = Inspection(
        area=area,
        day=day,
        mode=mode,
        checklist={key: bool(checklist[key]) for key in CHECKLIST_KEYS if key in checklist},
        team=(team or "").strip()[:100],
        summary=(summary or "").strip()[:500],
        by=by,
    )
    inspection.save()
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=inspection)
    return inspection


@transaction.atomic
def finding_add(
    *, by: User, inspection: Inspection, item: str, description: str, deadline: dt.date
) -> Finding:
    require(by, inspection.area, Cap.INSPECTIONS_WRITE)
    if item not in CHECKLIST_KEYS:
        raise ValidationError({"item": _("Choose the checklist item.")})
    description = _required(description, "description", _("Say what was found."), 500)
    if deadline < inspection.day:
        raise ValidationError({"deadline": _("The deadline cannot be before the inspection.")})
    finding = Finding(inspection=inspection, item=item, description=description, deadline=deadline)
    finding.save()
    audit_record(user=by, action=AuditAction.CREATE, area=inspection.area, obj=finding)
    return finding


@transaction.atomic
def finding_close(
    *, by: User, finding: Finding, closure: str, day: dt.date | None = None
) -> Finding:
    """Put right: by the inspected area's cadres or by the inspectors."""
    finding = (
        Finding.objects.select_for_update().select_related("inspection__area").get(pk=finding.pk)
    )
    require(by, finding.inspection.area, Cap.FINDINGS_WRITE)
    if finding.closed_on is not None:
        raise ValidationError(_("This finding is already closed."))
    closure = _required(closure, "closure", _("Say how it was put right."), 500)
    day = day or _today()
    _not_future(day)
    if day < finding.inspection.day:
        raise ValidationError({"day": _("It cannot be put right before it was found.")})
    finding.closed_on = day
    finding.closed_by = by
    finding.closure = closure
    finding.save(update_fields=["closed_on", "closed_by", "closure"])
    audit_record(user=by, action=AuditAction.UPDATE, area=finding.inspection.area, obj=finding)
    return finding


@transaction.atomic
def accountability_add(
    *,
    by: User,
    inspection: Inspection,
    person_name: str,
    measure: str,
    position: str = "",
    finding: Finding | None = None,
    day: dt.date | None = None,
) -> Accountability:
    require(by, inspection.area, Cap.INSPECTIONS_WRITE)
    person_name = _required(person_name, "person_name", _("Name the person."), 50)
    if measure not in AccountabilityMeasure.values:
        raise ValidationError({"measure": _("Choose the measure taken.")})
    if finding is not None and finding.inspection_id != inspection.pk:
        raise ValidationError({"finding": _("Choose a finding of this inspection.")})
    day = day or _today()
    _not_future(day)
    record = Accountability(
        inspection=inspection,
        finding=finding,
        person_name=person_name,
        position=(position or "").strip()[:100],
        measure=measure,
        day=day,
        by=by,
    )
    record.save()
    audit_record(user=by, action=AuditAction.CREATE, area=inspection.area, obj=record)
    return record
