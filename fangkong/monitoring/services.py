"""Writes to monitoring. Web forms, the API, the self-report link and commands all come here."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.accounts.caching import ProcessCache
from fangkong.accounts.models import Role
from fangkong.areas.models import Area, Level
from fangkong.core import rows
from fangkong.core.audit import audit_record
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.core.ratelimit import public_rate_limited
from fangkong.core.rows import Columns
from fangkong.core.signals import work_done
from fangkong.monitoring.models import (
    TEMPERATURE_MAX,
    TEMPERATURE_MIN,
    Alert,
    AlertAction,
    AlertKind,
    CaseEvent,
    Category,
    CheckIn,
    CheckInSource,
    EventKind,
    Mode,
    ObservationCase,
    ObservationPolicy,
    Source,
    Status,
    VillageHelp,
)
from fangkong.registry.models import Resident

if TYPE_CHECKING:
    from fangkong.accounts.models import User

# Handling an alert with one of these actions transfers the case: no more home check-ins.
LEAVES_HOME = {AlertAction.FEVER_CLINIC, AlertAction.HOSPITAL}


def _area_of(case: ObservationCase) -> Area:
    return case.resident.household.area


_CASE_AREA = ObservationCase._meta.get_field("area")


def _event(
    *,
    case: ObservationCase,
    by: User | None,
    kind: EventKind,
    from_status: str = "",
    reason: str = "",
    detail: str = "",
) -> CaseEvent:
    return CaseEvent.objects.create(
        county_id=case.county_id,
        case=case,
        by=by,
        kind=kind,
        from_status=from_status,
        to_status=case.status,
        reason=reason[:500],
        detail=detail[:200],
        at=timezone.now(),
    )


def validate_temperature(value: object) -> Decimal:
    """35.0–42.0 °C with one decimal; anything else is an input error, not a fever."""
    message = _("Enter a body temperature between 35.0 and 42.0 °C, e.g. 36.5.")
    try:
        temperature = Decimal(str(value).strip().replace("℃", "").replace("°C", ""))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError({"temperature": message}, code="temperature") from error
    if not temperature.is_finite() or not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
        raise ValidationError({"temperature": message}, code="temperature")
    return temperature.quantize(Decimal("0.1"))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    return reason


def _check_responsible(*, user: User | None, role: Role, area: Area, field: str) -> None:
    if user is None:
        return
    if user.role != role or user.area is None or not area.is_within(user.area):
        raise ValidationError(
            {field: _("Choose a %(role)s who covers this household.") % {"role": role.label}}
        )


@transaction.atomic
def case_open(
    *,
    by: User,
    resident: Resident,
    category: str,
    mode: str,
    start_date: dt.date,
    site_name: str = "",
    grid_worker: User | None = None,
    doctor: User | None = None,
    source: str = Source.MANUAL,
    source_ref: str = "",
    proposed: bool = False,
) -> ObservationCase:
    """Open a case under the policy in force on its start date (proposed ones wait for a person)."""
    area = resident.household.area
    require(by, area, Cap.MONITORING_WRITE)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category.")})
    if mode not in Mode.values:
        raise ValidationError({"mode": _("Choose home or centralised observation.")})
    site_name = (site_name or "").strip()
    if mode == Mode.CENTRALISED and not site_name:
        raise ValidationError({"site_name": _("Name the centralised observation site.")})
    if mode == Mode.HOME:
        site_name = ""
    today = timezone.localdate(timezone.now(), local_tz())
    if start_date > today:
        raise ValidationError({"start_date": _("The start date cannot be in the future.")})
    policy = ObservationPolicy.objects.in_force_on(start_date, resident.county_id)
    if policy is None:
        raise ValidationError({"start_date": _("No observation policy is in force on that date.")})
    _check_responsible(user=grid_worker, role=Role.GRID_WORKER, area=area, field="grid_worker")
    _check_responsible(user=doctor, role=Role.DOCTOR, area=area, field="doctor")
    if ObservationCase.objects.filter(
        county_id=resident.county_id,
        resident=resident,
        status__in=[Status.PROPOSED, Status.ACTIVE],
    ).exists():
        raise ValidationError({"resident": _("This person already has an open observation case.")})
    undoable = _undoable_end(resident)
    if undoable is not None:  # a mistaken end is undone, never doubled by a second case
        raise ValidationError(
            {
                "resident": _(
                    "This person's observation was ended on %(date)s: undo that end on the "
                    "case's page instead of opening a second case."
                )
                % {"date": undoable.ended_on.isoformat() if undoable.ended_on else ""}
            }
        )
    period = policy.period_days(category, mode)
    case = ObservationCase(
        resident=resident,
        category=category,
        mode=mode,
        site_name=site_name,
        policy=policy,
        period_days=period,
        start_date=start_date,
        planned_end=start_date + dt.timedelta(days=period),
        status=Status.PROPOSED if proposed else Status.ACTIVE,
        grid_worker=grid_worker,
        doctor=doctor,
        source=source if source in Source.values else Source.MANUAL,
        source_ref=(source_ref or "")[:100],
        opened_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as error:  # opened by someone else a moment ago
        raise ValidationError(
            {"resident": _("This person already has an open observation case.")}
        ) from error
    _event(case=case, by=by, kind=EventKind.OPENED, detail=f"{policy.name}: {period}")
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=case)
    return case


def _lock(case: ObservationCase) -> ObservationCase:
    """The stored case, locked for the change (its status may have moved since the page loaded)."""
    return (
        ObservationCase.objects.select_for_update(of=("self",))
        .select_related("resident__household__area", "policy")
        .get(pk=case.pk)
    )


@transaction.atomic
def case_confirm(*, by: User, case: ObservationCase) -> ObservationCase:
    case = _lock(case)
    require(by, _area_of(case), Cap.MONITORING_WRITE)
    if case.status != Status.PROPOSED:
        raise ValidationError(_("Only a proposed case can be confirmed."))
    case.status = Status.ACTIVE
    case.save(update_fields=["status"])
    _event(case=case, by=by, kind=EventKind.CONFIRMED, from_status=Status.PROPOSED)
    audit_record(user=by, action=AuditAction.UPDATE, area=_area_of(case), obj=case)
    return case


@transaction.atomic
def case_release(
    *, by: User, case: ObservationCase, on: dt.date | None = None, reason: str = ""
) -> ObservationCase:
    """解除医学观察: on or after the planned end, by a doctor or a cadre."""
    case = _lock(case)
    require(by, _area_of(case), Cap.MONITORING_MANAGE)
    on = on or timezone.localdate(timezone.now(), local_tz())
    if case.status != Status.ACTIVE:
        raise ValidationError(_("Only a case under observation can be released."))
    if on < case.planned_end:
        raise ValidationError(
            _("The observation period ends on %(date)s; end it early with a reason instead.")
            % {"date": case.planned_end.isoformat()}
        )
    case.status = Status.RELEASED
    case.ended_on = on
    case.ended_at = timezone.now()
    case.save(update_fields=["status", "ended_on", "ended_at"])
    _event(
        case=case, by=by, kind=EventKind.RELEASED, from_status=Status.ACTIVE, reason=reason.strip()
    )
    audit_record(user=by, action=AuditAction.UPDATE, area=_area_of(case), obj=case)
    return case


@transaction.atomic
def case_end_early(
    *, by: User, case: ObservationCase, reason: str, transferred: bool = False
) -> ObservationCase:
    """End before the planned end (e.g. a close contact cleared, or transferred to hospital):
    the same people as a release (a doctor, a cadre and above), always with the reason."""
    require(by, _area_of(case), Cap.MONITORING_MANAGE)
    return _case_end(by=by, case=case, reason=reason, transferred=transferred)


def _case_end(
    *, by: User, case: ObservationCase, reason: str, transferred: bool
) -> ObservationCase:
    """The end itself: also when whoever handles a fever alert sends the person to the clinic
    or hospital (a fact recorded, not a decision to end the observation)."""
    case = _lock(case)
    require(by, _area_of(case), Cap.MONITORING_WRITE)
    reason = _require_reason(reason)
    if not case.is_open:
        raise ValidationError(_("This case is already closed."))
    previous = case.status
    case.status = Status.TRANSFERRED if transferred else Status.ENDED_EARLY
    case.ended_at = timezone.now()
    case.ended_on = timezone.localdate(case.ended_at, local_tz())
    case.save(update_fields=["status", "ended_on", "ended_at"])
    _event(case=case, by=by, kind=EventKind.ENDED_EARLY, from_status=previous, reason=reason)
    audit_record(user=by, action=AuditAction.UPDATE, area=_area_of(case), obj=case)
    return case


ENDS = [EventKind.RELEASED, EventKind.ENDED_EARLY]
ENDED_STATES = [Status.RELEASED, Status.ENDED_EARLY, Status.TRANSFERRED]


def end_undo_until(case: ObservationCase, now: dt.datetime | None = None) -> dt.datetime | None:
    """Until when the end of a closed case may be undone (the county's policy in force on the
    day it ended says how long), or None when it cannot (open, or no end event)."""
    if case.status not in ENDED_STATES:
        return None
    ended = case.events.filter(kind__in=ENDS).order_by("-at", "-pk").first()
    if ended is None:
        return None
    day = timezone.localdate(ended.at, local_tz())
    policy = ObservationPolicy.objects.in_force_on(day, case.county_id) or case.policy
    if not policy.end_undo_hours:
        return None
    return ended.at + dt.timedelta(hours=policy.end_undo_hours)


def _undoable_end(resident: Resident) -> ObservationCase | None:
    """The resident's case whose end may still be undone, if any."""
    now = timezone.now()
    for case in ObservationCase.objects.filter(
        county_id=resident.county_id, resident=resident, status__in=ENDED_STATES
    ).order_by("-ended_on", "-pk")[:1]:
        until = end_undo_until(case)
        if until is not None and now <= until:
            return case
    return None


@transaction.atomic
def case_end_undo(*, by: User, case: ObservationCase, reason: str) -> ObservationCase:
    """Undo a mistaken end or release, within the time the county's policy sets: the same case
    is under observation again (its history keeps the end and the undo; the person is counted
    once), never a second case. The same people as a release."""
    case = _lock(case)
    require(by, _area_of(case), Cap.MONITORING_MANAGE)
    reason = _require_reason(reason)
    if case.status not in ENDED_STATES:
        raise ValidationError(_("This observation has not ended."))
    until = end_undo_until(case)
    if until is None or timezone.now() > until:
        raise ValidationError(
            _("The time to undo this end has passed: open a new observation if needed.")
        )
    ended = case.events.filter(kind__in=ENDS).order_by("-at", "-pk").first()
    assert ended is not None
    previous, ended_on = case.status, case.ended_on
    case.status = ended.from_status or Status.ACTIVE
    case.ended_on = None
    case.ended_at = None
    try:
        with transaction.atomic():
            case.save(update_fields=["status", "ended_on", "ended_at"])
    except IntegrityError as error:  # another case was opened for the person meanwhile
        raise ValidationError(
            _("This person has another open observation case: it cannot be undone.")
        ) from error
    _event(
        case=case,
        by=by,
        kind=EventKind.END_UNDONE,
        from_status=previous,
        reason=reason,
        detail=ended_on.isoformat() if ended_on else "",
    )
    audit_record(
        user=by, action=AuditAction.UPDATE, area=_area_of(case), obj=case, field="end_undone"
    )
    return case


@transaction.atomic
def case_extend(*, by: User, case: ObservationCase, days: int, reason: str) -> ObservationCase:
    case = _lock(case)
    require(by, _area_of(case), Cap.MONITORING_WRITE)
    reason = _require_reason(reason)
    if not case.is_open:
        raise ValidationError(_("This case is already closed."))
    if not 1 <= days <= 60:
        raise ValidationError({"days": _("Extend by 1 to 60 days.")})
    old_end = case.planned_end
    case.planned_end = old_end + dt.timedelta(days=days)
    case.save(update_fields=["planned_end"])
    _event(
        case=case,
        by=by,
        kind=EventKind.EXTENDED,
        from_status=case.status,
        reason=reason,
        detail=f"{old_end.isoformat()} → {case.planned_end.isoformat()}",
    )
    audit_record(user=by, action=AuditAction.UPDATE, area=_area_of(case), obj=case)
    return case


def _link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def case_link_issue(*, by: User, case: ObservationCase) -> str:
    """A new personal self-report link; the previous one stops working. Only the hash is kept."""
    case = _lock(case)
    require(by, _area_of(case), Cap.MONITORING_WRITE)
    if not case.is_open:
        raise ValidationError(_("This case is closed: its self-report link no longer works."))
    token = secrets.token_urlsafe(24)
    case.link_hash = _link_hash(token)
    case.save(update_fields=["link_hash"])
    _event(case=case, by=by, kind=EventKind.LINK_ISSUED, from_status=case.status)
    audit_record(user=by, action=AuditAction.UPDATE, area=_area_of(case), obj=case, field="link")
    return token


# The budgets of the personal links, shared by everything posted through one: temperatures here,
# errand requests in ``care``. One address (a phone, or a carrier's NAT) may post ``_PER_ADDRESS``
# times an hour across all links; a link takes ``SELF_REPORT_LIMIT`` posts an hour from addresses
# still within theirs, so one source alone cannot shut a person's link.
SELF_REPORT_PER_ADDRESS = 10
SELF_REPORT_LIMIT = 30
SELF_REPORT_WINDOW = 3600


def case_link_rate_limited(*, case: ObservationCase, ip: str | None) -> bool:
    """Count one post through the case's personal link; True once the address it comes from has
    spent its budget for the hour, or the link its own."""
    return public_rate_limited(
        scope="selfreport",
        page=str(case.pk),
        address=ip,
        per_address=SELF_REPORT_PER_ADDRESS,
        per_page=SELF_REPORT_LIMIT,
        window=SELF_REPORT_WINDOW,
    )


def case_for_link(token: str) -> ObservationCase | None:
    """The case behind a self-report link, while it is under observation; None otherwise."""
    if not token or len(token) > 64:
        return None
    return (
        ObservationCase.objects.select_related("resident__household__area", "policy")
        .filter(link_hash=_link_hash(token), status=Status.ACTIVE)
        .first()
    )


# Per process (issue 19): the observation policies, read by every check-in. A change here empties
# the copy at once; the other processes see it within ``caching.SECONDS``.
_policies: ProcessCache[ObservationPolicy] = ProcessCache()
post_save.connect(_policies.clear, sender=ObservationPolicy, dispatch_uid="monitoring_policies")
post_delete.connect(
    _policies.clear, sender=ObservationPolicy, dispatch_uid="monitoring_policies_del"
)


def policy_of(pk: int) -> ObservationPolicy:
    return _policies.get(pk, lambda: ObservationPolicy.objects.get(pk=pk))


_case_sql: list[tuple[str, Columns[ObservationCase], Columns[Area], Columns[Resident]]] = []


def case_in_scope(user: User, pk: int) -> ObservationCase | None:
    """The case ``pk`` if it lies in the user's area (``ObservationCase.objects.for_user``), with
    its area, its resident's name and its policy: one hand-written query (issue 19; the ORM took
    longer to compile it than the database to run it)."""
    area = getattr(user, "area", None)
    if not getattr(user, "is_authenticated", False) or area is None:
        return None
    if not _case_sql:
        case, place = Columns(ObservationCase, "c"), Columns(Area, "a")
        person = Columns(Resident, "r", only=("id", "county_id", "household_id", "name"))
        _case_sql.append(
            (
                f"SELECT {case.sql}, {place.sql}, {person.sql} FROM {case.table} c "  # noqa: S608 - names from the models
                f"JOIN {place.table} a ON a.id = c.area_id "
                f"JOIN {person.table} r ON r.id = c.resident_id "
                "WHERE c.id = %s AND c.county_id = %s",
                case,
                place,
                person,
            )
        )
    sql, case, place, person = _case_sql[0]
    params: list[object] = [pk, area.county_id]
    if area.pk != area.county_id:  # the county itself: the tenant key says it (``under``)
        condition, prefix = rows.under("a.path", area.path)
        sql = f"{sql} AND {condition}"
        params.append(prefix)
    row = rows.fetch_one(sql, params)
    if row is None:
        return None
    found = case.build(row)
    assert found is not None
    found.area = place.build(row, len(case))  # type: ignore[assignment]
    found.resident = person.build(row, len(case) + len(place))  # type: ignore[assignment]
    found.policy = policy_of(found.policy_id)
    return found


@transaction.atomic
def checkin_record(
    *,
    case: ObservationCase,
    by: User | None,
    temperature: object,
    day: dt.date,
    slot: int,
    symptoms: str = "",
    at: dt.datetime | None = None,
) -> CheckIn:
    """One temperature for one slot. A fever raises an alert in the same transaction.

    ``by=None`` is the person's own report through the self-report link."""
    area = case.area if _CASE_AREA.is_cached(case) else _area_of(case)
    if by is not None:
        require(by, area, Cap.MONITORING_WRITE)
    temperature = validate_temperature(temperature)
    if slot not in (1, 2):
        raise ValidationError({"slot": _("Choose the morning or the evening check-in.")})
    if case.status != Status.ACTIVE:
        raise ValidationError(_("This person is not under observation now."))
    at = at or timezone.now()
    today = timezone.localdate(at, local_tz())
    if day > today:
        raise ValidationError({"date": _("A check-in cannot be for a future day.")})
    if day < case.start_date:
        raise ValidationError({"date": _("The observation had not started on that day.")})
    if day == today and at < case.policy.slot_start(day, slot):
        raise ValidationError({"slot": _("This check-in has not opened yet.")})
    if by is None:
        source = CheckInSource.SELF
    elif by.role == Role.DOCTOR:
        source = CheckInSource.DOCTOR
    else:
        source = CheckInSource.WORKER
    checkin = CheckIn(
        county_id=case.county_id,
        case=case,
        date=day,
        slot=slot,
        temperature=temperature,
        symptoms=(symptoms or "").strip()[:200],
        source=source,
        by=by,
        at=at,
        late=case.policy.is_late(day, slot, at),
    )
    try:
        # No savepoint of its own (issue 19): a duplicate leaves this function by the error
        # below, and its own ``atomic`` (a transaction, or a savepoint when nested) undoes it.
        with transaction.atomic(savepoint=False):
            _INSERT_CHECKIN.one(checkin)  # what ``save`` sends (its county is set above)
    except IntegrityError as error:
        raise ValidationError(
            {"slot": _("A temperature is already recorded for this check-in.")},
            code="duplicate",
        ) from error
    if temperature >= case.policy.fever_threshold:
        Alert.objects.create(
            county_id=case.county_id,
            case=case,
            kind=AlertKind.FEVER,
            date=day,
            slot=slot,
            checkin=checkin,
            raised_at=at,
        )
    # A late reading answers the missed-check-in alert of its slot: closed, counted as late. A
    # missed alert is raised only once its slot has closed: before that there is none to close.
    if checkin.late or timezone.now() > case.policy.slot_end(day, slot):
        _close_missed(case=case, checkin=checkin, by=by, day=day, slot=slot, at=at)
    if by is not None:
        with rows.together():  # the audit row and the points entry: one round trip (issue 19)
            audit_record(user=by, action=AuditAction.CREATE, area=area, obj=checkin)
            work_done.send(sender=CheckIn, record=checkin, person=by, kind="checkin_taken", day=day)
    return checkin


# The INSERT of a check-in, spelled once per process (issue 19: compiled by ``save`` on every
# check-in, for longer than the database ran it).
_INSERT_CHECKIN = rows.Insert(CheckIn)


def _close_missed(
    *,
    case: ObservationCase,
    checkin: CheckIn,
    by: User | None,
    day: dt.date,
    slot: int,
    at: dt.datetime,
) -> None:
    """The missed-check-in alert of this slot, if one is open, answered by this reading: one
    hand-written UPDATE (issue 19: compiling it took longer than running it)."""
    note = _("Reported late at %(time)s.") % {
        "time": timezone.localtime(at, local_tz()).strftime("%m-%d %H:%M")
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Alert._meta.db_table} SET checkin_id = %s, action = %s, note = %s, "  # noqa: S608 - names from the models
            "handled_by_id = %s, handled_at = %s WHERE county_id = %s AND case_id = %s "
            "AND kind = %s AND date = %s AND slot = %s AND handled_at IS NULL",
            [
                checkin.pk,
                AlertAction.REACHED.value,
                note,
                by.pk if by is not None else None,
                rows.ts(at),
                case.county_id,
                case.pk,
                AlertKind.MISSED.value,
                rows.day(day),
                slot,
            ],
        )


@transaction.atomic
def checkin_record_batch(
    *, by: User, readings: Mapping[ObservationCase, object], day: dt.date, slot: int
) -> list[CheckIn]:
    """Temperatures of many people for one slot, all or nothing: each through
    ``checkin_record`` (so a fever raises its alert exactly as a single entry does). Errors come
    back as one ValidationError keyed by the case id, and nothing is written."""
    errors: dict[str, list[str]] = {}
    saved: list[CheckIn] = []
    for case, value in readings.items():
        try:
            with transaction.atomic():
                saved.append(
                    checkin_record(case=case, by=by, temperature=value, day=day, slot=slot)
                )
        except ValidationError as error:
            errors[str(case.pk)] = error.messages
    if errors:
        raise ValidationError(errors)
    return saved


@transaction.atomic
def alert_handle(*, by: User, alert: Alert, action: str, note: str = "") -> Alert:
    alert = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("case__resident__household__area")
        .get(pk=alert.pk)
    )
    require(by, _area_of(alert.case), Cap.MONITORING_WRITE)
    if action not in AlertAction.values:
        raise ValidationError({"action": _("Choose what was done.")})
    note = (note or "").strip()
    if action == AlertAction.OTHER and not note:
        raise ValidationError({"note": _("Say what was done.")})
    if alert.handled_at is not None:
        raise ValidationError(_("This alert has already been handled."))
    alert.action = action
    alert.note = note[:500]
    alert.handled_by = by
    alert.handled_at = timezone.now()
    alert.save(update_fields=["action", "note", "handled_by", "handled_at"])
    audit_record(user=by, action=AuditAction.UPDATE, area=_area_of(alert.case), obj=alert)
    if action in LEAVES_HOME and alert.case.status == Status.ACTIVE:
        # At the clinic or in hospital the person is no longer observed at home: no more
        # check-ins fall due (and none is counted missed) from today.
        _case_end(
            by=by,
            case=alert.case,
            reason=str(AlertAction(action).label) + (f": {note}" if note else ""),
            transferred=True,
        )
    return alert


def alerts_scan_missed(*, area: Area, now: dt.datetime | None = None, days: int = 2) -> int:
    """Raise one missed-check-in alert per case, date and slot that closed with no check-in.

    Idempotent (existing alerts and the unique constraint), and a constant number of queries:
    called by the command and, lazily, when the today page or the case list is opened."""
    now = now or timezone.now()
    today = timezone.localdate(now, local_tz())
    first = today - dt.timedelta(days=max(days, 1) - 1)
    cases = list(
        ObservationCase.objects.in_area(area)
        .filter(status=Status.ACTIVE, start_date__lte=today)
        .select_related("policy")
        .only(
            "pk",
            "county_id",
            "start_date",
            "opened_at",
            "policy__slot1_end",
            "policy__slot2_end",
        )
    )
    if not cases:
        return 0
    ids = [c.pk for c in cases]
    done = set(
        CheckIn.objects.filter(
            county_id=area.county_id, case_id__in=ids, date__gte=first
        ).values_list("case_id", "date", "slot")
    )
    raised = set(
        Alert.objects.filter(
            county_id=area.county_id, case_id__in=ids, kind=AlertKind.MISSED, date__gte=first
        ).values_list("case_id", "date", "slot")
    )
    new: list[Alert] = []
    for case in cases:
        day = max(first, case.start_date)
        while day <= today:
            for slot in (1, 2):
                closed_at = case.policy.slot_end(day, slot)
                key = (case.pk, day, slot)
                if (
                    closed_at <= now
                    and closed_at > case.opened_at
                    and key not in done
                    and key not in raised
                ):
                    new.append(
                        Alert(
                            county_id=case.county_id,
                            case_id=case.pk,
                            kind=AlertKind.MISSED,
                            date=day,
                            slot=slot,
                            raised_at=closed_at,
                        )
                    )
            day += dt.timedelta(days=1)
    if new:
        Alert.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# --- what a village tells the people it observes (issue 15) ------------------------------------

# The most self-report sheets printed in one go (an area's active cases, a few dozen in practice).
SHEETS_MAX = 300


@dataclass(frozen=True)
class Help:
    """The number to call and the fever advice a resident of ``village`` sees."""

    village: Area | None
    phone: str
    fever_advice: str
    advice_is_default: bool


def default_fever_advice() -> str:
    return _(
        "Stay at home: do not go out, and do not buy or take fever medicine on your own. Put on "
        "a mask, keep to your own room, away from the others at home, and call the number below "
        "now. The village doctor will call back and arrange your visit to the fever clinic; do "
        "not take the bus or a taxi there."
    )


def village_of(area: Area) -> Area | None:
    """The village (community) an area belongs to: the area itself, or its ancestor."""
    if area.level == Level.VILLAGE:
        return area
    return area.ancestors().filter(level=Level.VILLAGE).first()


def village_help(area: Area) -> Help:
    """What the village of ``area`` set; when it set no number, the duty phone of its doctor or
    cadre (a work number the village gave for this); the standard advice when it set none."""
    village = village_of(area)
    setting = VillageHelp.objects.filter(area=village).first() if village else None
    phone = setting.phone if setting else ""
    if not phone and village is not None:
        staff = (
            get_user_model()
            .objects.filter(
                area=village, is_active=True, role__in=[Role.DOCTOR, Role.VILLAGE_CADRE]
            )
            .exclude(phone="")
            .order_by("role", "pk")  # "doctor" before "village_cadre"
            .values_list("phone", flat=True)
            .first()
        )
        phone = staff or ""
    advice = setting.fever_advice.strip() if setting else ""
    return Help(
        village=village,
        phone=phone,
        fever_advice=advice or default_fever_advice(),
        advice_is_default=not advice,
    )


@transaction.atomic
def village_help_set(*, by: User, village: Area, phone: str, fever_advice: str) -> VillageHelp:
    require(by, village, Cap.MONITORING_MANAGE)
    if village.level != Level.VILLAGE:
        raise ValidationError(_("Set this for a village or community."))
    setting, _created = VillageHelp.objects.update_or_create(
        area=village,
        defaults={"phone": phone, "fever_advice": fever_advice.strip(), "updated_by": by},
    )
    audit_record(user=by, action=AuditAction.UPDATE, area=village, obj=setting)
    return setting
