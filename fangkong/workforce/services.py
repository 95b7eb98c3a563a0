"""Writes to workforce: rosters, assignments, swaps, clock-in/out, household contacts, the points
scheme, grants and adjustments. Pages, the API, the demo and the ``work_done`` receiver come here.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.accounts.caching import ProcessCache
from fangkong.core.audit import audit_record
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.core.rows import Insert
from fangkong.core.signals import work_done
from fangkong.registry.models import Household
from fangkong.workforce.models import (
    ADJUSTMENT,
    CLOCK_IN_OPENS,
    LATE_AFTER,
    HouseholdContact,
    PartyBranch,
    PointEntry,
    PointRule,
    Post,
    Shift,
    ShiftAssignment,
    ShiftPattern,
    ShiftSwap,
    Worker,
)

if TYPE_CHECKING:
    from fangkong.accounts.models import User

SHIFT_WORKED = "shift_worked"
MAX_ADJUSTMENT = 100


def worker_of(user: Any) -> Worker | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Worker.objects.filter(user=user).select_related("area").first()


# --- rosters ----------------------------------------------------------------------------------


@transaction.atomic
def roster_generate(
    *, by: User, post: Post, pattern: ShiftPattern, first_day: dt.date, days: int
) -> int:
    """The shifts of ``pattern`` at ``post`` for ``days`` days; existing shifts stay. Returns the
    number of new shifts."""
    require(by, post.area, Cap.DUTY_MANAGE)
    if not 1 <= days <= 62:
        raise ValidationError({"days": _("Between 1 and 62 days at a time.")})
    tz = local_tz()
    shifts = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        for start in pattern.start_times():
            starts_at = dt.datetime.combine(day, start, tzinfo=tz)
            shifts.append(
                Shift(
                    county_id=post.county_id,
                    post=post,
                    day=day,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(hours=pattern.hours),
                    min_staff=post.min_staff,
                )
            )
    before = Shift.objects.filter(county_id=post.county_id, post=post).count()
    Shift.objects.bulk_create(shifts, ignore_conflicts=True)
    created = Shift.objects.filter(county_id=post.county_id, post=post).count() - before
    audit_record(
        user=by, action=AuditAction.CREATE, area=post.area, obj=post, rows=created, detail="roster"
    )
    return created


@transaction.atomic
def shift_assign(*, by: User, shift: Shift, worker: Worker) -> ShiftAssignment:
    require(by, shift.post.area, Cap.DUTY_MANAGE)
    if not worker.area.is_within(by.area):  # type: ignore[arg-type]
        raise PermissionDenied
    if shift.ends_at <= timezone.now():
        raise ValidationError(_("This shift is over."))
    assignment = ShiftAssignment(county_id=shift.county_id, shift=shift, worker=worker)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as error:
        raise ValidationError({"worker": _("This person is already on this shift.")}) from error
    audit_record(user=by, action=AuditAction.CREATE, area=shift.post.area, obj=assignment)
    return assignment


@transaction.atomic
def shift_swap(
    *, by: User, assignment: ShiftAssignment, to_worker: Worker, reason: str
) -> ShiftSwap:
    """Someone else takes the shift; the swap and its reason are kept."""
    assignment = (
        ShiftAssignment.objects.select_for_update(of=("self",))
        .select_related("shift__post__area", "worker")
        .get(pk=assignment.pk)
    )
    require(by, assignment.shift.post.area, Cap.DUTY_MANAGE)
    if not to_worker.area.is_within(by.area):  # type: ignore[arg-type]
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the swap.")})
    if assignment.clock_in_at is not None:
        raise ValidationError(_("This person has already clocked in on this shift."))
    if to_worker.pk == assignment.worker_id:
        raise ValidationError({"to_worker": _("Choose someone else.")})
    if ShiftAssignment.objects.filter(
        county_id=assignment.county_id, shift_id=assignment.shift_id, worker=to_worker
    ).exists():
        raise ValidationError({"to_worker": _("This person is already on this shift.")})
    swap = ShiftSwap.objects.create(
        county_id=assignment.county_id,
        assignment=assignment,
        from_worker=assignment.worker,
        to_worker=to_worker,
        reason=reason[:200],
        by=by,
    )
    assignment.worker = to_worker
    assignment.save(update_fields=["worker"])
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=assignment.shift.post.area,
        obj=assignment,
        detail=f"swap: {reason}"[:500],
    )
    return swap


def _own_assignment(*, by: User, assignment: ShiftAssignment) -> ShiftAssignment:
    assignment = (
        ShiftAssignment.objects.select_for_update(of=("self",))
        .select_related("shift__post__area", "worker")
        .get(pk=assignment.pk)
    )
    if assignment.worker.user_id != by.pk:
        raise PermissionDenied
    return assignment


@transaction.atomic
def clock_in(
    *, by: User, assignment: ShiftAssignment, at: dt.datetime | None = None
) -> ShiftAssignment:
    """打卡 on one's own shift, from half an hour before it starts until it ends; more than ten
    minutes after the start is late."""
    assignment = _own_assignment(by=by, assignment=assignment)
    at = at or timezone.now()
    shift = assignment.shift
    if assignment.clock_in_at is not None:
        raise ValidationError(_("You have already clocked in on this shift."))
    if at < shift.starts_at - CLOCK_IN_OPENS:
        raise ValidationError(_("Clock-in opens half an hour before the shift."))
    if at >= shift.ends_at:
        raise ValidationError(_("This shift is over: the clock-in was missed."))
    assignment.clock_in_at = at
    assignment.late = at > shift.starts_at + LATE_AFTER
    assignment.save(update_fields=["clock_in_at", "late"])
    return assignment


@transaction.atomic
def clock_out(
    *, by: User, assignment: ShiftAssignment, at: dt.datetime | None = None
) -> ShiftAssignment:
    """Clocking out closes the shift worked: it earns its points (``work_done``), prorated to the
    time worked when the person came late or leaves early (``ShiftAssignment.worked_share``)."""
    assignment = _own_assignment(by=by, assignment=assignment)
    at = at or timezone.now()
    if assignment.clock_in_at is None:
        raise ValidationError(_("Clock in first."))
    if assignment.clock_out_at is not None:
        raise ValidationError(_("You have already clocked out of this shift."))
    assignment.clock_out_at = max(at, assignment.clock_in_at)
    assignment.save(update_fields=["clock_out_at"])
    work_done.send(
        sender=ShiftAssignment,
        record=assignment,
        person=by,
        kind=SHIFT_WORKED,
        day=assignment.shift.day,
        share=assignment.worked_share,
    )
    return assignment


# --- household contact (联户) ------------------------------------------------------------------


@transaction.atomic
def contacts_assign(*, by: User, worker: Worker, households: list[Household]) -> int:
    """Make ``worker`` responsible for these households (taking them from whoever had them)."""
    require(by, worker.area, Cap.DUTY_MANAGE)
    for household in households:
        if not household.area.is_within(by.area):  # type: ignore[arg-type]
            raise PermissionDenied
    HouseholdContact.objects.filter(county_id=worker.county_id, household__in=households).delete()
    HouseholdContact.objects.bulk_create(
        [
            HouseholdContact(county_id=worker.county_id, worker=worker, household=h)
            for h in households
        ]
    )
    audit_record(
        user=by, action=AuditAction.UPDATE, area=worker.area, obj=worker, rows=len(households)
    )
    return len(households)


# --- red points ---------------------------------------------------------------------------------


def points_grant(
    *,
    record: models.Model,
    kind: str,
    day: dt.date,
    person: Any = None,
    worker: Worker | None = None,
    share: float | None = None,
    returning: bool = True,
) -> PointEntry | None:
    """Grant what the county's scheme says for ``kind``, once per (record, kind).

    ``returning=False`` (the ``work_done`` receiver, which needs no answer) writes the entry with
    one ``INSERT … ON CONFLICT DO NOTHING``: the unique constraint, not a savepoint, keeps it once.

    The rule, written down: the county is the record's (its ``county_id``), else the person's.
    A kind the scheme does not list (or lists as not in force) earns nothing and writes nothing.
    The entry goes to the person's worker record (linked by user) when there is one; a user with
    no worker record keeps the points on the user (shown under their login name) until a worker
    record is linked; with neither, nothing is written. ``share`` (0–1) prorates the rule's
    points to the part of the work done (a shift left early), rounded down: never more than the
    time worked."""
    if worker is None and person is not None:
        worker = _worker_for_points(person)
    user_id = getattr(person, "pk", None) if person is not None else None
    if person is None and worker is not None:
        user_id = worker.user_id
    county_id = getattr(record, "county_id", None)
    if county_id is None:
        who = person if person is not None else (worker.user if worker is not None else None)
        county_id = getattr(getattr(who, "area", None), "county_id", None)
    if county_id is None or (worker is None and person is None):
        return None
    points = _rule_points(county_id, kind)
    if not points:
        return None
    if share is not None and share < 1:
        points = math.floor(points * max(share, 0.0))
        if points == 0:
            return None
    area = worker.area if worker is not None else getattr(person, "area", None)
    if area is None:
        return None
    entry = PointEntry(
        county_id=area.county_id or county_id,  # the area's tenant key (as CountyScoped.save)
        area_id=area.pk,
        worker_id=worker.pk if worker is not None else None,
        user_id=user_id,
        kind=kind,
        points=points,
        day=day,
        record_type=ContentType.objects.get_for_model(record),
        record_id=record.pk,
    )
    if not returning:
        _INSERT_IGNORING.later(entry)  # with the audit row inside ``rows.together()``
        return None
    try:
        with transaction.atomic():
            # One INSERT (it returns the id on PostgreSQL and SQLite): the area is known already.
            PointEntry.objects.bulk_create([entry])
    except IntegrityError:  # granted before: once per record and kind
        return None
    return entry


# ``INSERT … ON CONFLICT DO NOTHING`` of an entry, built once per process (issue 19).
_INSERT_IGNORING = Insert(PointEntry, ignore_conflicts=True)

# Per process (issue 19): the points of a kind of work in a county's scheme, and a user's worker
# record, read on every write that earns points. A change here empties them at once; the other
# processes see it within ``caching.SECONDS``.
_rules: ProcessCache[int | None] = ProcessCache()
_workers: ProcessCache[Worker | None] = ProcessCache()
post_save.connect(_rules.clear, sender=PointRule, dispatch_uid="workforce_rules_cache")
post_delete.connect(_rules.clear, sender=PointRule, dispatch_uid="workforce_rules_cache_del")
post_save.connect(_workers.clear, sender=Worker, dispatch_uid="workforce_workers_cache")
post_delete.connect(_workers.clear, sender=Worker, dispatch_uid="workforce_workers_cache_del")


def _rule_points(county_id: int, kind: str) -> int | None:
    return _rules.get(
        (county_id, kind),
        lambda: (
            PointRule.objects.filter(county_id=county_id, kind=kind, active=True)
            .values_list("points", flat=True)
            .first()
        ),
    )


def _worker_for_points(user: Any) -> Worker | None:
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return _workers.get(user.pk, lambda: worker_of(user))


def points_on_work_done(
    sender: Any, record: models.Model, kind: str, day: dt.date, person: Any = None, **kwargs: Any
) -> None:
    """The ``work_done`` receiver (connected in ``WorkforceConfig.ready``)."""
    points_grant(
        record=record,
        kind=kind,
        day=day,
        person=person,
        worker=kwargs.get("worker"),
        share=kwargs.get("share"),
        returning=False,
    )


work_done.connect(points_on_work_done, dispatch_uid="workforce_points_on_work_done")


def is_secretary_of(user: Any, worker: Worker) -> bool:
    """The user is the secretary of a party branch the worker belongs to."""
    mine = worker_of(user)
    if mine is None:
        return False
    return PartyBranch.objects.filter(
        secretary=mine, members=worker, dissolved_on__isnull=True
    ).exists()


@transaction.atomic
def points_adjust(
    *, by: User, worker: Worker, points: int, reason: str, day: dt.date | None = None
) -> PointEntry:
    """An adjustment by the secretary of the worker's branch, always with a reason."""
    if not is_secretary_of(by, worker):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the adjustment.")})
    if points == 0 or abs(points) > MAX_ADJUSTMENT:
        raise ValidationError(
            {"points": _("Adjust by 1 to %(n)d points, up or down.") % {"n": MAX_ADJUSTMENT}}
        )
    entry = PointEntry.objects.create(
        county_id=worker.county_id,
        area_id=worker.area_id,
        worker=worker,
        user=worker.user,
        kind=ADJUSTMENT,
        points=points,
        day=day or timezone.localdate(timezone.now(), local_tz()),
        reason=reason[:200],
        by=by,
    )
    audit_record(
        user=by, action=AuditAction.CREATE, area=worker.area, obj=entry, detail=reason[:500]
    )
    return entry


@transaction.atomic
def point_rule_set(
    *, by: User, kind: str, points: int, label: str = "", active: bool = True
) -> PointRule:
    """A county administrator sets what a kind of work earns in their county."""
    if not by.is_county_admin or by.area is None:
        raise PermissionDenied
    kind = (kind or "").strip()
    if not kind or len(kind) > 40 or not kind.replace("_", "").isalnum() or not kind.isascii():
        raise ValidationError({"kind": _("A key of letters, digits and _, e.g. shift_worked.")})
    if kind == ADJUSTMENT:
        raise ValidationError({"kind": _("Adjustments are made by branch secretaries.")})
    if not -100 <= points <= 100:
        raise ValidationError({"points": _("Between -100 and 100 points.")})
    rule, _created = PointRule.objects.update_or_create(
        county_id=by.area.county_id,
        kind=kind,
        defaults={"points": points, "label": (label or "").strip()[:100], "active": active},
    )
    audit_record(user=by, action=AuditAction.UPDATE, area=by.area, obj=rule, detail=kind)
    return rule


# --- who is on duty with me (issue 15, left over: call a shift partner) ------------------------

DUTY_WINDOW_BEFORE = dt.timedelta(hours=12)
DUTY_WINDOW_AFTER = dt.timedelta(days=2)


def duty_partners(
    mine: list[ShiftAssignment],
) -> dict[int, list[tuple[str, ShiftAssignment]]]:
    """For each of a worker's assignments (``mine``, with ``shift`` loaded): the others on the
    same shift ("same"), those whose shift at the same post ends when it starts ("before": they
    hand over) and those whose shift starts when it ends ("after": they take over). One query.
    Returns ``{my assignment id: [(relation, their assignment with worker and shift)]}``."""
    if not mine:
        return {}
    worker_id = mine[0].worker_id
    posts = {a.shift.post_id for a in mine}
    start = min(a.shift.starts_at for a in mine)
    end = max(a.shift.ends_at for a in mine)
    theirs = list(
        ShiftAssignment.objects.filter(
            county_id=mine[0].county_id,
            shift__post_id__in=posts,
            shift__ends_at__gte=start,
            shift__starts_at__lte=end,
        )
        .exclude(worker_id=worker_id)
        .select_related("worker", "shift")
        .order_by("shift__starts_at", "worker__name", "pk")
    )
    partners: dict[int, list[tuple[str, ShiftAssignment]]] = {a.pk: [] for a in mine}
    for a in mine:
        for other in theirs:
            if other.shift.post_id != a.shift.post_id:
                continue
            if other.shift_id == a.shift_id:
                partners[a.pk].append(("same", other))
            elif other.shift.ends_at == a.shift.starts_at:
                partners[a.pk].append(("before", other))
            elif other.shift.starts_at == a.shift.ends_at:
                partners[a.pk].append(("after", other))
    return partners


def duty_partner_for_call(user: Any, assignment_id: int) -> ShiftAssignment | None:
    """A partner's assignment whose phone ``user`` may call: on a shift of the user's own (the
    same shift, or the one before or after at the same post) within the duty page's window, or
    anyone's when the user organises duty in the worker's area. None otherwise (the caller says
    404: another's colleague is not found)."""
    other = (
        ShiftAssignment.objects.filter(pk=assignment_id)
        .select_related("worker__area", "shift__post")
        .first()
    )
    if other is None:
        return None
    if user.may(Cap.DUTY_MANAGE, other.worker.area):
        return other
    me = worker_of(user)
    if me is None or me.pk == other.worker_id:
        return None
    now = timezone.now()
    if not (
        other.shift.ends_at > now - DUTY_WINDOW_BEFORE
        and other.shift.starts_at < now + DUTY_WINDOW_AFTER
    ):
        return None
    mine = list(
        ShiftAssignment.objects.filter(
            county_id=other.county_id, worker=me, shift__post_id=other.shift.post_id
        ).select_related("shift")
    )
    for a in mine:
        if (
            a.shift_id == other.shift_id
            or a.shift.starts_at == other.shift.ends_at
            or a.shift.ends_at == other.shift.starts_at
        ):
            return other
    return None
