"""The home page of each role: what to do today, each item a link to the action.

Grid worker: households left in the open round (house-number order), people due for a
temperature now, errands waiting, my shift. Doctor: due temperatures, open alerts, releases due,
care visits due. Checkpoint staff: my checkpoint's desk, my shift, pending self-registrations.
Village cadre: today's report and its gaps, open alerts, proposed cases to confirm, errands not
taken. Township and county: the roll-up and who is late. Every list is capped; a few queries
each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import Role, User
from fangkong.core.clock import today_local
from fangkong.core.ordering import natural_key

LIMIT = 20
PERSONAL = ("resident__id_number", "resident__phone", "resident__household__phone")


@dataclass
class Item:
    text: str
    url: str
    note: str = ""
    alert: bool = False


@dataclass
class Section:
    title: Any
    items: list[Item] = field(default_factory=list)
    more_url: str = ""
    count: int | None = None
    action: tuple[Any, str] | None = None  # (label, url) of a button above the list


def _due_now(user: User, day: dt.date, *, mine: bool) -> Section:
    from fangkong.monitoring.models import CheckIn, ObservationCase, ObservationPolicy, Status

    section = Section(_("Temperatures due now"), more_url=reverse("monitoring:today"))
    policy = ObservationPolicy.objects.in_force_on(day)
    slot = policy.slot_at(timezone.now()) if policy else None
    if slot is None:
        section.title = _("Temperatures (no slot open now)")
        return section
    cases = (
        ObservationCase.objects.for_user(user)
        .filter(status=Status.ACTIVE, start_date__lte=day)
        .filter(~Exists(CheckIn.objects.filter(case=OuterRef("pk"), date=day, slot=slot)))
    )
    if mine:  # the people this user is responsible for, when there are any
        own = cases.filter(Q(grid_worker=user) | Q(doctor=user))
        cases = own if own.exists() else cases
    rows = list(cases.select_related("resident__household").defer(*PERSONAL).order_by("pk")[:LIMIT])
    batch = reverse("monitoring:checkin_batch")
    section.items = [
        Item(
            c.resident.name,
            reverse("monitoring:checkin_create", args=[c.pk]) + "?next=today",
            c.resident.household.address,
        )
        for c in rows
    ]
    section.count = len(rows)
    if rows:
        section.action = (_("Enter everyone's temperature on one screen"), batch)
    return section


def _open_alerts(user: User) -> Section:
    from fangkong.monitoring.models import Alert

    alerts = list(
        Alert.objects.for_user(user)
        .open()
        .select_related("case__resident", "checkin")
        .defer(*(f"case__{f}" for f in PERSONAL[:2]))
        .order_by("-raised_at")[:LIMIT]
    )
    return Section(
        _("Open alerts"),
        [
            Item(
                a.case.resident.name,
                reverse("monitoring:alert_handle", args=[a.pk]),
                f"{a.get_kind_display()} {a.checkin.temperature if a.checkin else ''}".strip(),
                alert=True,
            )
            for a in alerts
        ],
        more_url=reverse("monitoring:alert_list"),
    )


def _releases_due(user: User, day: dt.date) -> Section:
    from fangkong.monitoring.models import ObservationCase, Status

    cases = list(
        ObservationCase.objects.for_user(user)
        .filter(status=Status.ACTIVE, planned_end__lte=day)
        .select_related("resident")
        .defer(*PERSONAL[:2])
        .order_by("planned_end", "pk")[:LIMIT]
    )
    return Section(
        _("Releases due"),
        [
            Item(
                c.resident.name,
                reverse("monitoring:case_release", args=[c.pk]),
                c.planned_end.strftime("%m-%d"),
            )
            for c in cases
        ],
    )


def _proposed(user: User) -> Section:
    from fangkong.monitoring.models import ObservationCase, Status

    cases = list(
        ObservationCase.objects.for_user(user)
        .filter(status=Status.PROPOSED)
        .select_related("resident")
        .defer(*PERSONAL[:2])
        .order_by("pk")[:LIMIT]
    )
    return Section(
        _("Proposed cases to confirm"),
        [
            Item(
                c.resident.name,
                reverse("monitoring:case_detail", args=[c.pk]),
                c.get_category_display(),
            )
            for c in cases
        ],
        more_url=reverse("monitoring:case_list") + "?status=proposed",
    )


def _care_visits(user: User, day: dt.date) -> Section:
    from fangkong.care.figures import overdue_visits

    assert user.area is not None
    rows = overdue_visits(user.area, day)[:LIMIT]
    return Section(
        _("Care visits due"),
        [
            Item(
                r.plan.resident.name,
                reverse("care:plan_detail", args=[r.plan.pk]),
                _("%(d)d days overdue") % {"d": r.days},
            )
            for r in rows
        ],
        more_url=reverse("care:plan_list"),
    )


def _errands(user: User, *, unassigned_only: bool) -> Section:
    from fangkong.care.models import Errand

    errands = Errand.objects.for_user(user).open()
    if unassigned_only:
        errands = errands.filter(assignee__isnull=True)
    else:
        errands = errands.filter(Q(assignee__isnull=True) | Q(assignee=user))
    rows = list(
        errands.select_related("household").defer("household__phone").order_by("pk")[:LIMIT]
    )
    return Section(
        _("Errands not taken") if unassigned_only else _("Errands waiting"),
        [
            Item(
                e.household.head_name,
                reverse("care:errand_detail", args=[e.pk]),
                f"{e.get_kind_display()} · {e.details[:20]}",
            )
            for e in rows
        ],
        more_url=reverse("care:errand_list"),
    )


def _households_left(user: User, day: dt.date) -> Section:
    from fangkong.screening.figures import unvisited_households
    from fangkong.screening.models import ScreeningRound

    section = Section(_("Households left in the screening round"))
    round = ScreeningRound.objects.for_user(user).open_on(day).order_by("-started_on").first()
    if round is None or user.area is None:
        section.title = _("Screening (no open round)")
        return section
    households = list(unvisited_households(round, user.area).defer("phone")[:500])
    households.sort(key=lambda h: natural_key(h.address))
    section.count = len(households)
    section.items = [
        Item(h.head_name, reverse("screening:visit_create", args=[round.pk, h.pk]), h.address)
        for h in households[:LIMIT]
    ]
    section.more_url = reverse("screening:unvisited", args=[round.pk])
    return section


def _my_shift(user: User) -> Section:
    from fangkong.workforce.models import ShiftAssignment
    from fangkong.workforce.services import worker_of

    section = Section(_("My shift"), more_url=reverse("workforce:today"))
    worker = worker_of(user)
    if worker is None:
        return section
    now = timezone.now()
    rows = list(
        ShiftAssignment.objects.filter(
            county_id=worker.county_id,
            worker=worker,
            shift__ends_at__gt=now,
            shift__starts_at__lt=now + dt.timedelta(hours=24),
        )
        .select_related("shift__post")
        .order_by("shift__starts_at")[:3]
    )
    section.items = [
        Item(
            a.shift.post.name,
            reverse("workforce:today"),
            f"{timezone.localtime(a.shift.starts_at):%H:%M}–{timezone.localtime(a.shift.ends_at):%H:%M}"
            + (f" · {_('clocked in')}" if a.clock_in_at else ""),
        )
        for a in rows
    ]
    return section


def _checkpoints(user: User) -> Section:
    from fangkong.checkpoints.models import Checkpoint, PreRegistration

    checkpoints = list(Checkpoint.objects.for_user(user).filter(active=True).order_by("name"))
    waiting = dict(
        PreRegistration.objects.pending()
        .filter(county_id=user.area.county_id if user.area else None, checkpoint__in=checkpoints)
        .values("checkpoint_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("checkpoint_id", "n")
    )
    return Section(
        _("My checkpoint's desk"),
        [
            Item(
                c.name,
                reverse("checkpoints:desk", args=[c.pk]),
                _("%(n)d waiting to be confirmed") % {"n": waiting[c.pk]}
                if c.pk in waiting
                else "",
                alert=c.pk in waiting,
            )
            for c in checkpoints[:LIMIT]
        ],
        more_url=reverse("checkpoints:list"),
    )


def _risk_arrivals(user: User, day: dt.date) -> Section:
    from fangkong.checkpoints.models import Passage

    passages = list(
        Passage.objects.for_user(user)
        .filter(via_risk_area=True, direction="in", day__gte=day - dt.timedelta(days=1))
        .select_related("checkpoint")
        .defer("phone", "id_number")
        .order_by("-at")[:LIMIT]
    )
    return Section(
        _("Arrivals from risk areas (today and yesterday)"),
        [
            Item(
                p.plate or p.name or "—",
                reverse("checkpoints:passage_list") + f"?risk=1&day={p.day.isoformat()}",
                f"{p.travel_from} · {p.people} · {p.get_outcome_display()}",
                alert=True,
            )
            for p in passages
        ],
    )


def _report(user: User, day: dt.date) -> Section:
    from fangkong.reports.models import DailyReport

    assert user.area is not None
    section = Section(_("Today's daily report"))
    report = DailyReport.objects.filter(
        county_id=user.area.county_id, area=user.area, date=day
    ).first()
    url = reverse("reports:village_report", args=[user.area.pk])
    if report is None:
        section.items = [Item(str(_("Not submitted yet")), url, "", alert=True)]
    else:
        section.items = [
            Item(
                str(_("Submitted")),
                url,
                f"{timezone.localtime(report.submitted_at):%H:%M}"
                + (f" · {_('late')}" if report.late else ""),
            )
        ]
    return section


def _rollup(user: User, day: dt.date) -> Section:
    from fangkong.reports.rollup import rollup

    assert user.area is not None
    result = rollup(user.area, day, live=False)
    missing = [row for row in result.villages if row.report is None]
    url = reverse("reports:area_rollup", args=[user.area.pk])
    section = Section(
        _("Villages that have not reported today"),
        [Item(row.area.name, url, " ".join(row.phones), alert=True) for row in missing[:LIMIT]],
        more_url=url,
        count=len(missing),
    )
    submitted = len(result.villages) - len(missing)
    late = sum(1 for row in result.villages if row.report is not None and row.report.late)
    section.action = (
        _("Roll-up: %(n)d of %(t)d villages reported, %(l)d late")
        % {"n": submitted, "t": len(result.villages), "l": late},
        url,
    )
    return section


def sections_for(user: User) -> list[Section]:
    day = today_local()
    role = user.role
    if role == Role.GRID_WORKER:
        return [
            _households_left(user, day),
            _due_now(user, day, mine=True),
            _errands(user, unassigned_only=False),
            _my_shift(user),
        ]
    if role == Role.DOCTOR:
        return [
            _due_now(user, day, mine=True),
            _open_alerts(user),
            _releases_due(user, day),
            _care_visits(user, day),
        ]
    if role == Role.CHECKPOINT_STAFF:
        return [_checkpoints(user), _my_shift(user)]
    if role == Role.VILLAGE_CADRE:
        return [
            _report(user, day),
            _open_alerts(user),
            _proposed(user),
            _errands(user, unassigned_only=True),
            _risk_arrivals(user, day),
        ]
    if role in {Role.TOWNSHIP_OFFICER, Role.COUNTY_ADMIN}:
        return [_rollup(user, day), _open_alerts(user), _risk_arrivals(user, day)]
    if role == Role.INSPECTOR:
        return [_rollup(user, day)]
    return [_rollup(user, day)]
