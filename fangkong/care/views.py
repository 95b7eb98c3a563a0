"""Care pages: errands (list, ask, take, give, done, cancel, repay, totals), the resident's own
request page on the personal link, and care plans with their visits and the overdue ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.db.models import F, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from fangkong.accounts.access import Cap
from fangkong.care import figures, services
from fangkong.care.forms import (
    AssignForm,
    CarePlanForm,
    DoneForm,
    EndForm,
    ErrandCreateForm,
    ErrandFilterForm,
    ErrandRequestForm,
    ReasonForm,
    RepayForm,
    TakeForm,
    VisitForm,
)
from fangkong.care.models import (
    CarePlan,
    CarePlanQuerySet,
    CareVisit,
    Errand,
    ErrandQuerySet,
    ErrandSource,
    ErrandStatus,
)
from fangkong.core.audit import client_ip
from fangkong.core.clock import today_local
from fangkong.core.forms import DayForm, submit
from fangkong.core.http import AuthedRequest
from fangkong.core.idempotency import idempotent_page
from fangkong.core.masking import first_name
from fangkong.core.pagination import paginate
from fangkong.core.permissions import capability_required, scoped_login_required
from fangkong.monitoring.services import case_for_link, case_link_rate_limited
from fangkong.registry.models import Household, Resident

# Pages never need the encrypted numbers of the households they list.
HOUSEHOLD_PERSONAL = ("household__phone",)


def _errands(request: AuthedRequest) -> ErrandQuerySet:
    return (
        Errand.objects.for_user(request.user)
        .select_related("household__area", "assignee")
        .defer(*HOUSEHOLD_PERSONAL)
    )


def _day(request: HttpRequest) -> dt.date:
    return DayForm(request.GET).day(today_local())


# --- errands ----------------------------------------------------------------------------------


@scoped_login_required
def errand_list(request: AuthedRequest) -> HttpResponse:
    form = ErrandFilterForm(request.GET or None)
    status = (form.cleaned_data.get("status") if form.is_valid() else "") or "open"
    errands = _errands(request)
    if status == "open":
        errands = errands.open()
    elif status == "mine":
        errands = errands.open().filter(assignee=request.user)
    elif status == "owed":
        errands = errands.filter(status=ErrandStatus.DONE, money_repaid__lt=F("money_spent"))
    elif status != "all":
        errands = errands.filter(status=status)
    order = (
        ["needed_by", "requested_at", "pk"]
        if status in {"open", "mine", "requested"}
        else [
            "-requested_at",
            "-pk",
        ]
    )
    page = paginate(request, errands.order_by(*order))
    assert request.user.area is not None
    day = today_local()
    template = "care/errand_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": f"status={status}",
            "figures": figures.errand_figures(request.user.area, day),
            "can_work": request.user.may(Cap.CARE_WRITE),
        },
    )


@capability_required(Cap.CARE_WRITE)
@idempotent_page
def errand_create(request: AuthedRequest) -> HttpResponse:
    """A request taken on the phone or at the door: find the household, then what it needs."""
    households = Household.objects.for_user(request.user).select_related("area").defer("phone")
    form = ErrandCreateForm(request.POST or None, user=request.user)
    picked: Household | None = None
    household_id = request.POST.get("household") or request.GET.get("household", "")
    if household_id.isdigit():
        if request.method == "POST":
            picked = households.filter(pk=household_id).first()
        else:
            picked = get_object_or_404(households, pk=household_id)
            form.initial["household"] = picked.pk
    query = request.GET.get("q", "").strip()[:50]
    matches = (
        list(households.search(query).order_by("address", "pk")[:20])
        if query and not picked
        else []
    )

    def create(data: Mapping[str, Any]) -> Errand:
        return services.errand_request(by=request.user, **data)

    if errand := submit(request, form, create):
        messages.success(request, _("Errand recorded."))
        return redirect("care:errand_detail", pk=errand.pk)
    return render(
        request,
        "care/errand_create.html",
        {"form": form, "picked": picked, "matches": matches, "query": query},
    )


@scoped_login_required
def errand_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    errand = get_object_or_404(
        _errands(request).select_related("requested_by", "assigned_by", "closed_by"), pk=pk
    )
    user = request.user
    can_work = services.covers(user, errand.household.area)
    return render(
        request,
        "care/errand_detail.html",
        {
            "errand": errand,
            "can_work": can_work,
            "can_take": can_work and errand.status == ErrandStatus.REQUESTED,
            "can_close": can_work
            and errand.is_open
            and (errand.assignee_id in (None, user.pk) or user.may(Cap.ERRANDS_MANAGE)),
        },
    )


@capability_required(Cap.CARE_WRITE)
def errand_take(request: AuthedRequest, pk: int) -> HttpResponse:
    """Take it oneself: the detail page posts here (a GET asks to confirm)."""
    return _errand_form(
        request,
        pk,
        form=TakeForm,
        action=lambda *, by, errand: services.errand_take(by=by, errand=errand),
        title=_("Take the errand"),
        done=_("The errand is yours."),
    )


def _errand_form(
    request: AuthedRequest,
    pk: int,
    *,
    form: Callable[..., Any],
    action: Callable[..., Any],
    title: str,
    done: str,
) -> HttpResponse:
    errand = get_object_or_404(_errands(request), pk=pk)
    bound = form(request.POST if request.method == "POST" else None)  # a take posts nothing
    if submit(request, bound, lambda data: action(by=request.user, errand=errand, **data)):
        messages.success(request, done)
        return redirect("care:errand_detail", pk=errand.pk)
    return render(
        request,
        "form_page.html",
        {
            "title": title,
            "subtitle": f"{errand.get_kind_display()} · {errand.details} · {errand.household.head_name}",
            "form": bound,
            "cancel_url": reverse("care:errand_detail", args=[errand.pk]),
        },
    )


@capability_required(Cap.CARE_WRITE)
@idempotent_page
def errand_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    errand = get_object_or_404(_errands(request), pk=pk)
    return _errand_form(
        request,
        pk,
        form=lambda data: AssignForm(data, area=errand.household.area),
        action=lambda *, by, errand, assignee: services.errand_assign(
            by=by, errand=errand, to=assignee
        ),
        title=_("Give the errand to someone"),
        done=_("Errand given."),
    )


@capability_required(Cap.CARE_WRITE)
@idempotent_page
def errand_done(request: AuthedRequest, pk: int) -> HttpResponse:
    return _errand_form(
        request,
        pk,
        form=DoneForm,
        action=services.errand_done,
        title=_("Mark the errand done"),
        done=_("Errand done. Thank you!"),
    )


@capability_required(Cap.CARE_WRITE)
@idempotent_page
def errand_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    return _errand_form(
        request,
        pk,
        form=ReasonForm,
        action=services.errand_cancel,
        title=_("Cancel the errand"),
        done=_("Errand cancelled."),
    )


@capability_required(Cap.CARE_WRITE)
@idempotent_page
def errand_repay(request: AuthedRequest, pk: int) -> HttpResponse:
    return _errand_form(
        request,
        pk,
        form=RepayForm,
        action=services.errand_repay,
        title=_("Record a repayment"),
        done=_("Repayment recorded."),
    )


@scoped_login_required
def errand_totals(request: AuthedRequest) -> HttpResponse:
    """Errands done and money advanced up to a date, per village and per person."""
    assert request.user.area is not None
    day = _day(request)
    return render(
        request,
        "care/errand_totals.html",
        {"day": day, "totals": figures.errand_totals(request.user.area, day)},
    )


@never_cache
@csrf_protect
def errand_request_public(request: HttpRequest, token: str) -> HttpResponse:
    """Public, no account: the household under observation asks for help through the same
    personal link as its temperatures (same link lookup, same rate limit)."""
    case = case_for_link(token)
    if case is None:
        return render(request, "monitoring/self_report_gone.html", status=404)
    household = case.resident.household
    form = ErrandRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if case_link_rate_limited(case=case, ip=client_ip(request)):
            return render(
                request,
                "care/errand_request.html",
                {"name": first_name(case.resident.name), "limited": True},
                status=429,
            )

        def ask(data: Mapping[str, Any]) -> Errand:
            return services.errand_request(
                by=None, household=household, case=case, source=ErrandSource.LINK, **data
            )

        if submit(request, form, ask):
            return redirect(request.path + "?ok=1")
        status = 400
    recent = list(
        household.errands.filter(county_id=household.county_id)  # the link's own household
        .only("kind", "details", "status", "requested_at", "needed_by")
        .order_by("-requested_at", "-pk")[:5]
    )
    return render(
        request,
        "care/errand_request.html",
        {
            "name": first_name(case.resident.name),
            "form": form,
            "recent": recent,
            "ok": request.GET.get("ok") == "1",
            "back": request.path.removesuffix("errand/"),
        },
        status=status,
    )


# --- care plans -------------------------------------------------------------------------------


def _plans(request: AuthedRequest) -> CarePlanQuerySet:
    return (
        CarePlan.objects.for_user(request.user)
        .select_related("resident__household__area", "responsible")
        .defer("resident__id_number", "resident__phone", "resident__household__phone")
    )


@scoped_login_required
def plan_list(request: AuthedRequest) -> HttpResponse:
    """Overdue visits by name first, then every running plan with its next visit."""
    assert request.user.area is not None
    day = today_local()
    overdue = figures.overdue_visits(request.user.area, day)
    running = [
        (plan, plan.due_on(plan.last_visit))  # type: ignore[attr-defined]
        for plan in _plans(request)
        .running_on(day)
        .with_last_visit(day)
        .order_by("resident__name", "pk")
    ]
    return render(
        request,
        "care/plan_list.html",
        {
            "day": day,
            "overdue": overdue,
            "running": running,
            "can_plan": request.user.may(Cap.CARE_MANAGE),
        },
    )


@capability_required(Cap.CARE_MANAGE)
@idempotent_page
def plan_create(request: AuthedRequest) -> HttpResponse:
    residents = (
        Resident.objects.for_user(request.user)
        .vulnerable()
        .select_related("household__area")
        .defer("id_number", "phone", "household__phone")
    )
    picked: Resident | None = None
    resident_id = request.POST.get("resident") or request.GET.get("resident", "")
    if resident_id.isdigit():
        if request.method == "POST":
            picked = residents.filter(pk=resident_id).first()
        else:
            picked = get_object_or_404(residents, pk=resident_id)
    form = CarePlanForm(request.POST or None, user=request.user, resident=picked)
    if picked is not None:
        form.initial["resident"] = picked.pk
    query = request.GET.get("q", "").strip()[:50]
    matches = (
        list(residents.filter(name__contains=query).order_by("name", "pk")[:20])
        if query and not picked
        else []
    )

    def create(data: Mapping[str, Any]) -> CarePlan:
        return services.care_plan_create(by=request.user, **data)

    if plan := submit(request, form, create):
        messages.success(request, _("Care plan saved."))
        return redirect("care:plan_detail", pk=plan.pk)
    return render(
        request,
        "care/plan_create.html",
        {"form": form, "picked": picked, "matches": matches, "query": query},
    )


@scoped_login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    day = today_local()
    plan = get_object_or_404(
        _plans(request)
        .with_last_visit(day)
        .prefetch_related(
            Prefetch(
                "visits", queryset=CareVisit.objects.select_related("by").order_by("-date", "-pk")
            )
        ),
        pk=pk,
    )
    can_visit = services.covers(request.user, plan.resident.household.area)
    return render(
        request,
        "care/plan_detail.html",
        {
            "plan": plan,
            "day": day,
            "due": plan.due_on(plan.last_visit),  # type: ignore[attr-defined]
            "overdue": plan.days_overdue(plan.last_visit, day),  # type: ignore[attr-defined]
            "form": VisitForm() if can_visit else None,
            "can_end": request.user.may(Cap.CARE_MANAGE) and plan.ends_on is None,
        },
    )


@capability_required(Cap.CARE_WRITE)
@idempotent_page
def plan_visit(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(_plans(request), pk=pk)
    form = VisitForm(request.POST or None)
    if submit(
        request,
        form,
        lambda d: services.care_visit_record(
            by=request.user, plan=plan, day=d["date"], note=d["note"]
        ),
    ):
        messages.success(request, _("Visit recorded."))
        return redirect("care:plan_detail", pk=plan.pk)
    return render(
        request,
        "form_page.html",
        {
            "title": _("Record a visit"),
            "subtitle": f"{plan.resident.name} · {plan.get_kind_display()}",
            "form": form,
            "cancel_url": reverse("care:plan_detail", args=[plan.pk]),
        },
    )


@capability_required(Cap.CARE_MANAGE)
@idempotent_page
def plan_end(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(_plans(request), pk=pk)
    form = EndForm(request.POST or None)
    if submit(request, form, lambda d: services.care_plan_end(by=request.user, plan=plan, **d)):
        messages.success(request, _("Care plan ended."))
        return redirect("care:plan_detail", pk=plan.pk)
    return render(
        request,
        "form_page.html",
        {
            "title": _("End the care plan"),
            "subtitle": f"{plan.resident.name} · {plan.get_kind_display()}",
            "form": form,
            "cancel_url": reverse("care:plan_detail", args=[plan.pk]),
        },
    )
