"""Writes of care: errands (asked, taken or assigned, done or cancelled, repaid) and care plans
with their visits. The pages, the personal link, the API and the demo all come here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, may, require
from fangkong.areas.models import Area
from fangkong.care.models import (
    CareKind,
    CarePlan,
    CareVisit,
    Errand,
    ErrandKind,
    ErrandSource,
    ErrandStatus,
)
from fangkong.core.audit import audit_record, changes, snapshot
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.core.signals import work_done
from fangkong.core.validators import validate_yuan
from fangkong.monitoring.models import ObservationCase, Status
from fangkong.registry.models import Household, Resident

if TYPE_CHECKING:
    from fangkong.accounts.models import User

# Open requests one personal link may have at a time (a flood from a leaked link stops here).
LINK_OPEN_LIMIT = 5
MONEY_MAX = Decimal("100000")


def _local_date(at: dt.datetime) -> dt.date:
    return timezone.localdate(at, local_tz())


def covers(user: User | None, area: Area) -> bool:
    """A field worker whose area contains ``area``: may work there and be given work there."""
    return may(user, Cap.CARE_WRITE, area)


def _lock(errand: Errand) -> Errand:
    return (
        Errand.objects.select_for_update(of=("self",))
        .select_related("household__area", "assignee")
        .get(pk=errand.pk)
    )


@transaction.atomic
def errand_request(
    *,
    by: User | None,
    household: Household,
    kind: str,
    details: str,
    needed_by: dt.date | None = None,
    source: str = ErrandSource.WORKER,
    case: ObservationCase | None = None,
    at: dt.datetime | None = None,
) -> Errand:
    """A request for help: from the household's personal link (``by`` None, ``case`` the case
    whose link it is), or entered by a worker (asked at the door or on the phone)."""
    at = at or timezone.now()
    if by is None:
        if (
            case is None
            or case.status != Status.ACTIVE
            or case.resident.household_id != household.pk
        ):
            raise PermissionDenied
        source = ErrandSource.LINK
        waiting = Errand.objects.filter(
            county_id=household.county_id, household=household, source=ErrandSource.LINK
        ).open()
        if waiting.count() >= LINK_OPEN_LIMIT:
            raise ValidationError(
                _("You already have %(n)s requests waiting. Please call your grid worker.")
                % {"n": LINK_OPEN_LIMIT}
            )
    else:
        require(by, household.area, Cap.CARE_WRITE)
        if source not in (ErrandSource.PHONE, ErrandSource.WORKER):
            raise ValidationError({"source": _("Choose how the request came in.")})
    if kind not in ErrandKind.values:
        raise ValidationError({"kind": _("Choose what kind of help is needed.")})
    details = (details or "").strip()
    if not details:
        raise ValidationError({"details": _("Say what is needed.")})
    if needed_by is not None and needed_by < _local_date(at):
        raise ValidationError({"needed_by": _("The date cannot be in the past.")})
    errand = Errand(
        household=household,
        case=case,
        kind=kind,
        details=details[:500],
        needed_by=needed_by,
        source=source,
        requested_at=at,
        requested_on=_local_date(at),
        requested_by=by,
    )
    errand.save()
    if by is not None:
        audit_record(user=by, action=AuditAction.CREATE, area=household.area, obj=errand)
    return errand


@transaction.atomic
def errand_assign(*, by: User, errand: Errand, to: User) -> Errand:
    """Give the errand to a person who covers the household (taking it is giving it to oneself);
    a cadre may give a taken errand to someone else."""
    errand = _lock(errand)
    area = errand.household.area
    require(by, area, Cap.CARE_WRITE)
    if not errand.is_open:
        raise ValidationError(_("This errand is already done or cancelled."))
    if not covers(to, area):
        raise ValidationError({"assignee": _("Choose a person who covers this household.")})
    if (
        errand.assignee_id is not None
        and errand.assignee_id != to.pk
        and not by.may(Cap.ERRANDS_MANAGE)
    ):
        raise ValidationError(
            _("%(name)s has already taken this errand.")
            % {"name": errand.assignee.get_full_name() or errand.assignee.username}  # type: ignore[union-attr]
        )
    errand.assignee = to
    errand.assigned_by = by
    errand.assigned_at = timezone.now()
    errand.status = ErrandStatus.ASSIGNED
    errand.save(update_fields=["assignee", "assigned_by", "assigned_at", "status"])
    audit_record(user=by, action=AuditAction.UPDATE, area=area, obj=errand, field="assignee")
    return errand


def errand_take(*, by: User, errand: Errand) -> Errand:
    return errand_assign(by=by, errand=errand, to=by)


@transaction.atomic
def errand_done(
    *,
    by: User,
    errand: Errand,
    money_spent: object = "0",
    note: str = "",
    at: dt.datetime | None = None,
) -> Errand:
    """Done, with the money the helper advanced. Sends ``work_done`` ("errand_done") for the
    person who did it, in this transaction, so a points scheme can reward it."""
    at = at or timezone.now()
    errand = _lock(errand)
    area = errand.household.area
    require(by, area, Cap.CARE_WRITE)
    if not errand.is_open:
        raise ValidationError(_("This errand is already done or cancelled."))
    if errand.assignee_id is None:
        errand.assignee = by
        errand.assigned_by = by
        errand.assigned_at = at
    elif errand.assignee_id != by.pk and not by.may(Cap.ERRANDS_MANAGE):
        raise ValidationError(_("Only the person who took this errand or a cadre can close it."))
    errand.money_spent = validate_yuan(money_spent, field="money_spent", maximum=MONEY_MAX)
    errand.status = ErrandStatus.DONE
    errand.closed_at = at
    errand.closed_on = _local_date(at)
    errand.closed_by = by
    errand.note = (note or "").strip()[:500]
    errand.save()
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=area,
        obj=errand,
        detail=f"done {errand.money_spent}",
    )
    work_done.send(
        sender=Errand,
        record=errand,
        person=errand.assignee,
        kind="errand_done",
        day=errand.closed_on,
    )
    return errand


@transaction.atomic
def errand_cancel(*, by: User, errand: Errand, reason: str) -> Errand:
    errand = _lock(errand)
    area = errand.household.area
    require(by, area, Cap.CARE_WRITE)
    if not errand.is_open:
        raise ValidationError(_("This errand is already done or cancelled."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    now = timezone.now()
    errand.status = ErrandStatus.CANCELLED
    errand.closed_at = now
    errand.closed_on = _local_date(now)
    errand.closed_by = by
    errand.note = reason[:500]
    errand.save(update_fields=["status", "closed_at", "closed_on", "closed_by", "note"])
    audit_record(user=by, action=AuditAction.UPDATE, area=area, obj=errand, detail="cancelled")
    return errand


@transaction.atomic
def errand_repay(*, by: User, errand: Errand, amount: object) -> Errand:
    """The household paid back (part of) what the helper advanced."""
    errand = _lock(errand)
    area = errand.household.area
    require(by, area, Cap.CARE_WRITE)
    if errand.status != ErrandStatus.DONE:
        raise ValidationError(_("Only a done errand can be repaid."))
    paid = validate_yuan(amount, field="amount", maximum=MONEY_MAX)
    if paid <= 0:
        raise ValidationError({"amount": _("Enter the amount repaid.")})
    if paid > errand.outstanding:
        raise ValidationError(
            {"amount": _("Only %(n)s yuan is still owed.") % {"n": errand.outstanding}}
        )
    errand.money_repaid += paid
    errand.repaid_at = timezone.now()
    errand.save(update_fields=["money_repaid", "repaid_at"])
    audit_record(user=by, action=AuditAction.UPDATE, area=area, obj=errand, detail=f"repaid {paid}")
    return errand


# --- care plans -------------------------------------------------------------------------------


@transaction.atomic
def care_plan_create(
    *,
    by: User,
    resident: Resident,
    kind: str,
    description: str,
    every_days: int,
    starts_on: dt.date,
    responsible: User,
    ends_on: dt.date | None = None,
) -> CarePlan:
    """Regular care for a flagged resident (低保, elderly alone, serious illness, ...)."""
    require(by, resident.household.area, Cap.CARE_MANAGE)
    if not resident.vulnerable_labels:
        raise ValidationError(
            {"resident": _("Flag the resident as vulnerable in the register first.")}
        )
    if kind not in CareKind.values:
        raise ValidationError({"kind": _("Choose the kind of care.")})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Say what is to be done.")})
    if not 1 <= int(every_days) <= 90:
        raise ValidationError({"every_days": _("Enter a number of days from 1 to 90.")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end cannot be before the start.")})
    if not covers(responsible, resident.household.area):
        raise ValidationError({"responsible": _("Choose a person who covers this household.")})
    plan = CarePlan(
        resident=resident,
        kind=kind,
        description=description[:300],
        every_days=int(every_days),
        starts_on=starts_on,
        ends_on=ends_on,
        responsible=responsible,
        created_by=by,
    )
    plan.save()
    audit_record(user=by, action=AuditAction.CREATE, area=resident.household.area, obj=plan)
    return plan


@transaction.atomic
def care_plan_end(*, by: User, plan: CarePlan, ends_on: dt.date) -> CarePlan:
    require(by, plan.resident.household.area, Cap.CARE_MANAGE)
    if ends_on < plan.starts_on:
        raise ValidationError({"ends_on": _("The end cannot be before the start.")})
    before = snapshot(plan, ("ends_on",))
    plan.ends_on = ends_on
    plan.save(update_fields=["ends_on"])
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=plan.resident.household.area,
        obj=plan,
        detail=changes(before, plan),
    )
    return plan


@transaction.atomic
def care_visit_record(
    *, by: User, plan: CarePlan, day: dt.date, note: str = "", at: dt.datetime | None = None
) -> CareVisit:
    at = at or timezone.now()
    area = plan.resident.household.area
    require(by, area, Cap.CARE_WRITE)
    if day > _local_date(at):
        raise ValidationError({"date": _("A visit cannot be recorded for a future day.")})
    if day < plan.starts_on or (plan.ends_on is not None and day > plan.ends_on):
        raise ValidationError({"date": _("The plan does not run on that day.")})
    visit = CareVisit(
        county_id=plan.county_id, plan=plan, date=day, at=at, by=by, note=(note or "").strip()[:500]
    )
    visit.save()
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=visit)
    work_done.send(sender=CareVisit, record=visit, person=by, kind="care_visit", day=day)
    return visit
