"""Workforce pages: my day (shifts with clock-in, my households, my points), the roster with its
gaps, swaps, people, branches and teams, red points tables, the scheme and adjustments."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.access import Cap
from fangkong.core.audit import audit_record, client_ip
from fangkong.core.clock import today_local
from fangkong.core.forms import perform, submit
from fangkong.core.http import AuthedRequest
from fangkong.core.idempotency import idempotent_page
from fangkong.core.models import AuditAction
from fangkong.core.ordering import sorted_households
from fangkong.core.pagination import paginate
from fangkong.core.permissions import county_admin_required, scoped_login_required
from fangkong.workforce import points as tables
from fangkong.workforce import services
from fangkong.workforce.forms import AdjustForm, PeriodForm, RosterForm, RuleForm, SwapForm
from fangkong.workforce.models import (
    HouseholdContact,
    PartyBranch,
    PointEntry,
    PointRule,
    Shift,
    ShiftAssignment,
    Team,
    Worker,
    WorkerKind,
)


def _manager(request: AuthedRequest) -> None:
    if not request.user.may(Cap.DUTY_MANAGE):
        raise PermissionDenied


@scoped_login_required
def today(request: AuthedRequest) -> HttpResponse:
    """A worker's day: their shifts (clock in and out), the households they look after (联户),
    their points."""
    worker = services.worker_of(request.user)
    now = timezone.now()
    day = today_local()
    context: dict = {"worker": worker, "day": day, "now": now}
    if worker is not None:
        context["assignments"] = list(
            ShiftAssignment.objects.filter(
                county_id=worker.county_id,
                worker=worker,
                shift__ends_at__gt=now - dt.timedelta(hours=12),
                shift__starts_at__lt=now + dt.timedelta(days=2),
            )
            .select_related("shift__post")
            .order_by("shift__starts_at")
        )
        partners = services.duty_partners(context["assignments"])
        for mine in context["assignments"]:
            mine.partners = partners[mine.pk]  # type: ignore[attr-defined]
        context["households"] = sorted_households(
            list(
                HouseholdContact.objects.filter(county_id=worker.county_id, worker=worker)
                .select_related("household__area")
                .defer("household__phone")
                .annotate(members=Count("household__residents"))
            ),
            household="household",
        )
        context["points"] = (
            PointEntry.objects.filter(county_id=worker.county_id, worker=worker).aggregate(
                total=Sum("points")
            )["total"]
            or 0
        )
    return render(request, "workforce/today.html", context)


@scoped_login_required
def clock(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """Clock in or out of one's own shift (GET shows the button, for a link from elsewhere)."""
    assignment = get_object_or_404(
        ShiftAssignment.objects.filter(worker__user=request.user).select_related("shift__post"),
        pk=pk,
    )
    if request.method != "POST":
        return render(request, "workforce/clock.html", {"assignment": assignment, "action": action})
    service = services.clock_in if action == "in" else services.clock_out
    if (
        done := perform(request, lambda: service(by=request.user, assignment=assignment))
    ) is not None:
        if action == "in":
            messages.success(
                request, _("Clocked in late.") if done.late else _("Clocked in. Thank you.")
            )
        elif done.left_early:
            worked = done.worked or dt.timedelta(0)
            messages.warning(
                request,
                _(
                    "Clocked out before the end of the shift: marked as leaving early; its points "
                    "count only the %(minutes)d minutes worked."
                )
                % {"minutes": worked.total_seconds() // 60},
            )
        else:
            messages.success(request, _("Clocked out. Thank you for your shift."))
    return redirect("workforce:today")


@scoped_login_required
@require_POST
def call_partner(request: AuthedRequest, pk: int) -> HttpResponse:
    """A shift partner's number to call (issue 15): a POST from the duty page (never a link a
    browser may prefetch) shows it in full as a ``tel:`` link; each viewing is audited. Only for
    those on the same shift or the one before or after at the same post, or who organise duty
    there; anyone else 404."""
    other = services.duty_partner_for_call(request.user, pk)
    if other is None:
        raise Http404
    if other.worker.phone:
        audit_record(
            user=request.user,
            action=AuditAction.REVEAL,
            area=other.worker.area,
            obj=other.worker,
            field="phone",
            ip=client_ip(request),
        )
    return render(request, "workforce/call.html", {"other": other, "phone": other.worker.phone})


@scoped_login_required
def roster(request: AuthedRequest) -> HttpResponse:
    """The shifts of a day at the posts of the user's area: gaps first, then all by post."""
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = today_local()
    now = timezone.now()
    shifts = list(
        Shift.objects.for_user(request.user)
        .filter(day=day)
        .select_related("post__area")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=ShiftAssignment.objects.select_related("worker").defer("worker__phone"),
            )
        )
        .order_by("post__area__path", "post__name", "starts_at")
    )
    for shift in shifts:
        people = list(shift.assignments.all())
        shift.people = people  # type: ignore[attr-defined]
        shift.gap = len(people) < shift.min_staff  # type: ignore[attr-defined]
        for a in people:
            a.is_missed = a.missed(now)  # type: ignore[attr-defined]
    can_manage = request.user.may(Cap.DUTY_MANAGE)
    workers = (
        list(Worker.objects.for_user(request.user).defer("phone").order_by("name")[:300])
        if can_manage
        else []
    )
    return render(
        request,
        "workforce/roster.html",
        {
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "shifts": shifts,
            "gaps": [s for s in shifts if s.gap],  # type: ignore[attr-defined]
            "can_manage": can_manage,
            "workers": workers,
        },
    )


@scoped_login_required
def roster_new(request: AuthedRequest) -> HttpResponse:
    _manager(request)
    form = RosterForm(request.POST or None, user=request.user)
    if (
        created := submit(
            request, form, lambda data: services.roster_generate(by=request.user, **data)
        )
    ) is not None:
        messages.success(request, _("%(n)d shifts added.") % {"n": created})
        return redirect(reverse("workforce:roster") + f"?day={form.cleaned_data['first_day']}")
    return render(request, "workforce/form.html", {"form": form, "title": _("New roster")})


@scoped_login_required
def shift_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    _manager(request)
    shift = get_object_or_404(
        Shift.objects.for_user(request.user).select_related("post__area"), pk=pk
    )
    if request.method != "POST":
        workers = Worker.objects.for_user(request.user).defer("phone").order_by("name")[:300]
        return render(request, "workforce/shift_assign.html", {"shift": shift, "workers": workers})
    worker = get_object_or_404(
        Worker.objects.for_user(request.user).select_related("area"),
        pk=request.POST.get("worker") or 0,
    )
    if perform(request, lambda: services.shift_assign(by=request.user, shift=shift, worker=worker)):
        messages.success(request, _("%(name)s is on the shift.") % {"name": worker.name})
    return redirect(reverse("workforce:roster") + f"?day={shift.day.isoformat()}")


@scoped_login_required
def swap(request: AuthedRequest, pk: int) -> HttpResponse:
    _manager(request)
    assignment = get_object_or_404(
        ShiftAssignment.objects.for_user(request.user).select_related("shift__post", "worker"),
        pk=pk,
    )
    form = SwapForm(request.POST or None, user=request.user)
    if (
        submit(
            request,
            form,
            lambda data: services.shift_swap(by=request.user, assignment=assignment, **data),
        )
        is not None
    ):
        messages.success(request, _("Shift swapped."))
        return redirect(reverse("workforce:roster") + f"?day={assignment.shift.day.isoformat()}")
    return render(
        request,
        "workforce/form.html",
        {"form": form, "title": _("Swap a shift"), "subtitle": str(assignment)},
    )


@scoped_login_required
def people(request: AuthedRequest) -> HttpResponse:
    workers = (
        Worker.objects.for_user(request.user)
        .select_related("area", "user")
        .defer("phone")
        .annotate(households=Count("contacts", distinct=True))
        .order_by("area__path", "name")
    )
    kind = request.GET.get("kind", "")
    if kind in WorkerKind.values:
        workers = workers.filter(kind=kind)
    if query := request.GET.get("q", "").strip()[:30]:
        workers = workers.filter(Q(name__contains=query) | Q(organisation__contains=query))
    page = paginate(request, workers)
    return render(
        request,
        "workforce/people.html",
        {"page": page, "kind": kind, "kinds": WorkerKind.choices, "query": query},
    )


@scoped_login_required
@idempotent_page
def worker_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    worker = get_object_or_404(
        Worker.objects.for_user(request.user).select_related("area", "user", "resident"), pk=pk
    )
    households = sorted_households(
        list(
            HouseholdContact.objects.filter(county_id=worker.county_id, worker=worker)
            .select_related("household__area")
            .defer("household__phone")
        ),
        household="household",
    )
    # A colleague's number to call (issue 15): in full, as a tel: link, for who organises the duty
    # (the viewing is audited); masked for everyone else.
    phone, phone_full = worker.phone_masked, False
    if worker.phone and request.method == "GET" and request.user.may(Cap.DUTY_MANAGE, worker.area):
        phone, phone_full = worker.phone, True
        audit_record(
            user=request.user,
            action=AuditAction.REVEAL,
            area=worker.area,
            obj=worker,
            field="phone",
            ip=client_ip(request),
        )
    entries = list(
        PointEntry.objects.filter(county_id=worker.county_id, worker=worker)
        .select_related("by")
        .order_by("-day", "-pk")[:50]
    )
    branches = list(worker.branches.all())
    form = AdjustForm(request.POST or None)
    can_adjust = services.is_secretary_of(request.user, worker)
    if request.method == "POST" and not can_adjust:
        raise PermissionDenied
    adjust = submit(
        request, form, lambda data: services.points_adjust(by=request.user, worker=worker, **data)
    )
    if adjust is not None:
        messages.success(request, _("Points adjusted."))
        return redirect("workforce:worker_detail", pk=worker.pk)
    return render(
        request,
        "workforce/worker_detail.html",
        {
            "worker": worker,
            "phone": phone,
            "phone_full": phone_full,
            "households": households,
            "entries": entries,
            "total": sum(e.points for e in entries),
            "branches": branches,
            "form": form,
            "can_adjust": can_adjust,
        },
    )


@scoped_login_required
def organisations(request: AuthedRequest) -> HttpResponse:
    """Party branches (regular and temporary) and teams, with their members and where they serve."""
    branches = (
        PartyBranch.objects.for_user(request.user)
        .select_related("area", "secretary")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("temporary", "area__path", "name")
    )
    teams = list(
        Team.objects.for_user(request.user)
        .select_related("area")
        .annotate(member_count=Count("memberships", distinct=True))
        .prefetch_related("dispatched_to")
        .order_by("name")
    )
    totals = PartyBranch.objects.for_user(request.user).aggregate(
        regular=Count("pk", filter=Q(temporary=False)),
        temporary=Count("pk", filter=Q(temporary=True)),
    )
    page = paginate(request, branches, default_size=50)
    return render(
        request,
        "workforce/organisations.html",
        {"page": page, "teams": teams, "totals": totals},
    )


@scoped_login_required
def points(request: AuthedRequest) -> HttpResponse:
    assert request.user.area is not None
    period = PeriodForm(request.GET or None)
    start, end = period.period()
    view = request.GET.get("by", "person")
    if view == "branch":
        rows = tables.by_branch(request.user.area, start, end)
    elif view == "area":
        rows = tables.by_area(request.user.area, start, end)
    else:
        view = "person"
        rows = tables.by_person(request.user.area, start, end)
    return render(
        request,
        "workforce/points.html",
        {
            "rows": rows,
            "view": view,
            "start": start,
            "end": end,
            "is_county_admin": request.user.is_county_admin,
        },
    )


@county_admin_required
def points_scheme(request: AuthedRequest) -> HttpResponse:
    """The county's red points scheme: what each kind of work earns (also in the admin)."""
    assert request.user.area is not None
    form = RuleForm(request.POST or None)
    if (
        submit(request, form, lambda data: services.point_rule_set(by=request.user, **data))
        is not None
    ):
        messages.success(request, _("Scheme saved."))
        return redirect("workforce:points_scheme")
    rules = PointRule.objects.filter(county_id=request.user.area.county_id).order_by("kind")
    return render(request, "workforce/points_scheme.html", {"form": form, "rules": rules})
