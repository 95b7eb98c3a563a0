"""Monitoring pages: today, cases (list, detail, open, confirm, release, end, extend), check-ins,
alerts, the printable self-report link, and the public self-report page itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from fangkong.accounts.access import Cap
from fangkong.areas.models import Area, Level
from fangkong.core.audit import client_ip
from fangkong.core.clock import local_tz, today_local
from fangkong.core.forms import apply_errors, perform, submit
from fangkong.core.http import AuthedRequest
from fangkong.core.idempotency import idempotent_page
from fangkong.core.masking import first_name
from fangkong.core.ordering import sorted_households
from fangkong.core.pagination import paginate
from fangkong.core.permissions import register_writer_required, scoped_login_required
from fangkong.monitoring import services
from fangkong.monitoring.figures import monitoring_figures
from fangkong.monitoring.forms import (
    AlertHandleForm,
    CaseFilterForm,
    CaseOpenForm,
    CheckInForm,
    EndEarlyForm,
    ExtendForm,
    ReasonForm,
    ReleaseForm,
    SelfReportForm,
    VillageHelpForm,
)
from fangkong.monitoring.models import (
    Alert,
    CaseEvent,
    CheckIn,
    ObservationCase,
    ObservationPolicy,
    Status,
    VillageHelp,
)
from fangkong.registry.models import Resident

# Self-report posts allowed per link and per address, per hour.


# Pages never need the encrypted numbers of the people they list: not even decrypted in memory.
PERSONAL_FIELDS = ("resident__id_number", "resident__phone", "resident__household__phone")


def _cases(request: AuthedRequest) -> Any:
    return (
        ObservationCase.objects.for_user(request.user)
        .select_related("resident__household__area", "policy")
        .defer(*PERSONAL_FIELDS)
    )


def _current_slot() -> tuple[ObservationPolicy | None, int | None]:
    policy = ObservationPolicy.objects.in_force_on(today_local())
    return policy, (policy.slot_at(timezone.now()) if policy else None)


@scoped_login_required
def today(request: AuthedRequest) -> HttpResponse:
    """A grid worker's or doctor's day: check-ins due now, open alerts, cases ending today."""
    user = request.user
    assert user.area is not None
    services.alerts_scan_missed(area=user.area)
    day = today_local()
    policy, slot = _current_slot()
    mine = request.GET.get("mine") == "1"
    cases = _cases(request)
    alerts_qs = Alert.objects.for_user(user).open()
    if mine:  # only the people this user is responsible for
        cases = cases.filter(Q(grid_worker=user) | Q(doctor=user))
        alerts_qs = alerts_qs.filter(Q(case__grid_worker=user) | Q(case__doctor=user))
    active = cases.filter(status=Status.ACTIVE, start_date__lte=day)
    due: list[ObservationCase] = []
    if slot is not None:
        done = CheckIn.objects.filter(case=OuterRef("pk"), date=day, slot=slot)
        due = list(
            active.filter(~Exists(done)).order_by("resident__household__area__path", "pk")[:200]
        )
    alerts = list(
        alerts_qs.select_related("case__resident__household__area", "checkin")
        .defer(*(f"case__{f}" for f in PERSONAL_FIELDS))
        .order_by("-raised_at")[:100]
    )
    ending = list(active.filter(planned_end__lte=day).order_by("planned_end", "pk")[:100])
    context = {
        "can_set_help": user.may(Cap.MONITORING_MANAGE),
        "day": day,
        "slot": slot,
        "slot_label": policy.slot_label(slot) if policy and slot else "",
        "due": due,
        "alerts": alerts,
        "ending": ending,
        "figures": monitoring_figures(user.area, day),
        "mine": mine,
    }
    return render(request, "monitoring/today.html", context)


def _batch_slot(request: AuthedRequest) -> tuple[ObservationPolicy | None, int | None]:
    """The slot open now; between slots (or when asked, ?slot=) the one chosen or last opened."""
    policy, slot = _current_slot()
    asked = request.GET.get("slot") or request.POST.get("slot")
    if asked in {"1", "2"}:
        return policy, int(asked)
    if slot is None and policy is not None:
        now = timezone.localtime(timezone.now(), local_tz()).time()
        slot = 2 if now >= policy.slot2_start else (1 if now >= policy.slot1_start else None)
    return policy, slot


@register_writer_required
@idempotent_page
def checkin_batch(request: AuthedRequest) -> HttpResponse:
    """Everyone due in the slot on one screen: a number each, one save. A fever raises its alert
    as a single entry does; an error stays beside its row and nothing is saved until all are
    right."""
    day = today_local()
    policy, slot = _batch_slot(request)
    mine = (request.GET.get("mine") or request.POST.get("mine")) == "1"
    cases = _cases(request).filter(status=Status.ACTIVE, start_date__lte=day)
    if mine:
        cases = cases.filter(Q(grid_worker=request.user) | Q(doctor=request.user))
    due: list[ObservationCase] = []
    if slot is not None:
        done = CheckIn.objects.filter(case=OuterRef("pk"), date=day, slot=slot)
        due = list(
            cases.filter(~Exists(done)).order_by("resident__household__area__path", "pk")[:200]
        )
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    if request.method == "POST" and slot is not None:
        values = {
            str(c.pk): request.POST.get(f"t-{c.pk}", "").strip().replace(",", ".") for c in due
        }
        readings = {c: values[str(c.pk)] for c in due if values[str(c.pk)]}
        if not readings:
            messages.error(request, _("Enter at least one temperature."))
        else:
            try:
                saved = services.checkin_record_batch(
                    by=request.user, readings=readings, day=day, slot=slot
                )
            except ValidationError as error:
                errors = error.message_dict
                messages.error(request, _("Nothing saved: correct the rows marked below."))
            else:
                fevers = [c for c in saved if c.alerts.exists()]
                messages.success(request, _("%(n)d temperatures recorded.") % {"n": len(saved)})
                if fevers:
                    messages.warning(
                        request,
                        _("Fever: an alert is open for %(names)s.")
                        % {"names": "、".join(c.case.resident.name for c in fevers)},
                    )
                url = reverse("monitoring:checkin_batch") + f"?slot={slot}"
                return redirect(url + ("&mine=1" if mine else ""))
    rows = [(c, values.get(str(c.pk), ""), errors.get(str(c.pk), [])) for c in due]
    return render(
        request,
        "monitoring/checkin_batch.html",
        {
            "day": day,
            "slot": slot,
            "slot_label": policy.slot_label(slot) if policy and slot else "",
            "rows": rows,
            "mine": mine,
            "threshold": policy.fever_threshold if policy else None,
        },
        status=400 if errors else 200,
    )


@scoped_login_required
def case_list(request: AuthedRequest) -> HttpResponse:
    assert request.user.area is not None
    services.alerts_scan_missed(area=request.user.area)
    form = CaseFilterForm(request.GET or None)
    cases = _cases(request)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status")
    if status == "all":  # everyone ever in the list (the report's 累计 figures)
        pass
    elif status:
        cases = cases.filter(status=status)
    else:
        cases = cases.filter(status__in=[Status.PROPOSED, Status.ACTIVE])
    if category := filters.get("category"):
        cases = cases.filter(category=category)
    if mode := filters.get("mode"):
        cases = cases.filter(mode=mode)
    open_alerts = Alert.objects.open().filter(case=OuterRef("pk"))
    cases = cases.annotate(has_alert=Exists(open_alerts)).order_by("planned_end", "pk")
    page = paginate(request, cases)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    template = "monitoring/case_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(
        request,
        template,
        {"form": form, "page": page, "query": query, "day": today_local()},
    )


@scoped_login_required
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(
        _cases(request)
        .select_related("grid_worker", "doctor")
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.select_related("by")),
            Prefetch("checkins", queryset=CheckIn.objects.order_by("-date", "-slot")),
            Prefetch("alerts", queryset=Alert.objects.select_related("handled_by")),
        ),
        pk=pk,
    )
    undo_until = services.end_undo_until(case)
    if undo_until is not None and timezone.now() > undo_until:
        undo_until = None
    return render(
        request,
        "monitoring/case_detail.html",
        {
            "case": case,
            "day": today_local(),
            "can_release": request.user.may(Cap.MONITORING_MANAGE),
            "undo_until": undo_until,
        },
    )


@register_writer_required
@idempotent_page
def case_create(request: AuthedRequest) -> HttpResponse:
    form = CaseOpenForm(request.POST or None, user=request.user)
    picked: Resident | None = None
    matches: list[Resident] = []
    resident_id = request.POST.get("resident") or request.GET.get("resident", "")
    if resident_id.isdigit():
        residents = Resident.objects.for_user(request.user).select_related("household__area")
        if request.method == "POST":  # the form says "not a valid choice" for another's resident
            picked = residents.filter(pk=resident_id).first()
        else:  # ?resident=<pk> from the resident's page: preselected, or 404 out of scope
            picked = get_object_or_404(residents, pk=resident_id)
            form.initial["resident"] = picked.pk
    query = request.GET.get("q", "").strip()[:50]
    if query and not picked:
        matches = list(
            Resident.objects.for_user(request.user)
            .filter(name__contains=query)
            .select_related("household__area")
            .order_by("name", "pk")[:20]
        )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            case = services.case_open(by=request.user, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Observation case opened."))
            return redirect("monitoring:case_detail", pk=case.pk)
    return render(
        request,
        "monitoring/case_form.html",
        {"form": form, "picked": picked, "matches": matches, "query": query},
    )


def _case_change(
    request: AuthedRequest,
    pk: int,
    *,
    form_class: type[forms.Form] | None,
    title: str,
    action: Callable[..., Any],
    done: str,
    releasers_only: bool = False,
) -> HttpResponse:
    case = get_object_or_404(_cases(request), pk=pk)
    if releasers_only and not request.user.may(Cap.MONITORING_MANAGE):
        raise PermissionDenied
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = dict(form.cleaned_data) if form else {}
        try:
            action(by=request.user, case=case, **data)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect("monitoring:case_detail", pk=case.pk)
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("monitoring:case_detail", pk=case.pk)
    return render(
        request, "monitoring/case_change.html", {"case": case, "form": form, "title": title}
    )


@register_writer_required
def case_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    return _case_change(
        request,
        pk,
        form_class=None,
        title=_("Confirm the observation"),
        action=services.case_confirm,
        done=_("Observation confirmed."),
    )


@register_writer_required
def case_release(request: AuthedRequest, pk: int) -> HttpResponse:
    return _case_change(
        request,
        pk,
        form_class=ReleaseForm,
        title=_("Release from medical observation"),
        action=services.case_release,
        done=_("Released from observation."),
        releasers_only=True,
    )


@register_writer_required
def case_end_early(request: AuthedRequest, pk: int) -> HttpResponse:
    return _case_change(
        request,
        pk,
        form_class=EndEarlyForm,
        title=_("End the observation early"),
        action=services.case_end_early,
        done=_("Observation ended."),
        releasers_only=True,
    )


@register_writer_required
def case_end_undo(request: AuthedRequest, pk: int) -> HttpResponse:
    """Undo a mistaken end or release within the county's time: the same case again."""
    return _case_change(
        request,
        pk,
        form_class=ReasonForm,
        title=_("Undo the end of the observation"),
        action=services.case_end_undo,
        done=_("The end is undone: the person is under observation again."),
        releasers_only=True,
    )


@register_writer_required
def case_extend(request: AuthedRequest, pk: int) -> HttpResponse:
    return _case_change(
        request,
        pk,
        form_class=ExtendForm,
        title=_("Extend the observation"),
        action=services.case_extend,
        done=_("Observation extended."),
    )


# How long after the morning window closes a form still offers the morning round first.
LATE_ROUND = dt.timedelta(hours=2)


def _slot_to_preselect(case: ObservationCase, chosen: str | None) -> int:
    """The round the worker chose (``?slot=``) stays as chosen. Otherwise the morning while
    its reading is missing and its window closed less than ``LATE_ROUND`` ago (at 12:10 the
    worker is finishing the morning round, not starting the evening's), else the check-in open
    now, else the evening."""
    if chosen in {"1", "2"}:
        return int(chosen)
    now = timezone.now()
    day = timezone.localdate(now, local_tz())
    closed = case.policy.slot_end(day, 1)
    if (
        closed <= now < closed + LATE_ROUND
        and not CheckIn.objects.filter(case=case, date=day, slot=1).exists()
    ):
        return 1
    return case.policy.slot_at(now) or 2


@register_writer_required
@idempotent_page
def checkin_create(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(_cases(request), pk=pk)
    form = CheckInForm(
        request.POST or None,
        initial={"date": today_local(), "slot": _slot_to_preselect(case, request.GET.get("slot"))},
    )
    form.fields["slot"].choices = [(n, case.policy.slot_label(n)) for n in (1, 2)]  # type: ignore[attr-defined]
    if (
        checkin := submit(
            request,
            form,
            lambda data: services.checkin_record(
                case=case,
                by=request.user,
                temperature=data["temperature"],
                day=data["date"],
                slot=data["slot"],
                symptoms=data["symptoms"],
            ),
        )
    ) is not None:
        if checkin.temperature >= case.policy.fever_threshold:
            messages.warning(request, _("Fever: an alert is open for this person."))
        else:
            messages.success(request, _("Temperature recorded."))
        if request.POST.get("next") == "today":
            return redirect("monitoring:today")
        return redirect("monitoring:case_detail", pk=case.pk)
    return render(
        request,
        "monitoring/checkin_form.html",
        {"case": case, "form": form, "next": request.GET.get("next", "")},
    )


@scoped_login_required
def alert_list(request: AuthedRequest) -> HttpResponse:
    alerts = (
        Alert.objects.for_user(request.user)
        .select_related("case__resident__household__area", "checkin", "handled_by")
        .defer(*(f"case__{f}" for f in PERSONAL_FIELDS))
        .order_by("handled_at", "-raised_at", "-pk")
    )
    show = request.GET.get("show", "open")
    if show != "all":
        alerts = alerts.open()
    page = paginate(request, alerts)
    return render(request, "monitoring/alert_list.html", {"page": page, "show": show})


@register_writer_required
def alert_handle(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(
        Alert.objects.for_user(request.user).select_related(
            "case__resident__household__area", "checkin", "handled_by"
        ),
        pk=pk,
    )
    form = AlertHandleForm(request.POST or None)
    if (
        submit(
            request,
            form,
            lambda data: services.alert_handle(by=request.user, alert=alert, **data),
        )
        is not None
    ):
        messages.success(request, _("Alert handled."))
        return redirect("monitoring:today")
    return render(request, "monitoring/alert_handle.html", {"alert": alert, "form": form})


@register_writer_required
def case_link(request: AuthedRequest, pk: int) -> HttpResponse:
    """The printable personal link: issuing one shows it once (only its hash is stored)."""
    case = get_object_or_404(_cases(request), pk=pk)
    context: dict[str, Any] = {"case": case}
    if request.method == "POST":
        token = perform(request, lambda: services.case_link_issue(by=request.user, case=case))
        if token is None:
            return redirect("monitoring:case_detail", pk=case.pk)
        context["sheet"] = _sheet(request, case, token, services.village_help(_area_of(case)))
        context["url"] = context["sheet"]["url"]
    return render(request, "monitoring/case_link.html", context)


def _area_of(case: ObservationCase) -> Area:
    return case.resident.household.area


def _sheet(
    request: HttpRequest, case: ObservationCase, token: str, help_: services.Help
) -> dict[str, Any]:
    """What a printed self-report sheet says: whose it is, the house, the report hours, the
    number to call, and the link with its QR code (inline SVG, no script, prints anywhere)."""
    url = request.build_absolute_uri(reverse("self_report", kwargs={"token": token}))
    policy = case.policy
    return {
        "case": case,
        "name": case.resident.name,
        "address": case.resident.household.address,
        "hours": [policy.slot_label(1), policy.slot_label(2)],
        "threshold": policy.fever_threshold,
        "phone": help_.phone,
        "url": url,
        "qr": segno.make(url, error="m").svg_inline(scale=4),
    }


def _village_for(request: AuthedRequest, pk: int) -> Area:
    return get_object_or_404(Area.objects.for_user(request.user), pk=pk, level=Level.VILLAGE)


@scoped_login_required
def my_village_help(request: AuthedRequest) -> HttpResponse:
    """The menu's way in: the village of the user (or the list of them above a village)."""
    area = request.user.area
    assert area is not None
    village = services.village_of(area)
    if village is None:
        villages = Area.objects.for_user(request.user).filter(level=Level.VILLAGE).order_by("path")
        return render(request, "monitoring/village_help_choose.html", {"villages": villages[:500]})
    return redirect("monitoring:village_help", pk=village.pk)


@scoped_login_required
def village_help(request: AuthedRequest, pk: int) -> HttpResponse:
    """The village's number to call and what to tell a resident who reports a fever (issue 15):
    set by the village cadre (or anyone managing monitoring above it)."""
    village = _village_for(request, pk)
    if not request.user.may(Cap.MONITORING_MANAGE, village):
        raise PermissionDenied
    setting = VillageHelp.objects.filter(area=village).first()
    initial = {"phone": setting.phone, "fever_advice": setting.fever_advice} if setting else {}
    form = VillageHelpForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda data: services.village_help_set(by=request.user, village=village, **data),
    )
    if done is not None:
        messages.success(request, _("Saved: residents under observation see it now."))
        return redirect("monitoring:village_help", pk=village.pk)
    current = services.village_help(village)
    return render(
        request,
        "monitoring/village_help.html",
        {"village": village, "form": form, "current": current},
    )


@register_writer_required
def case_sheets(request: AuthedRequest) -> HttpResponse:
    """The self-report sheets of every active case of an area, to print in one go (issue 15).

    A link is shown only once (only its hash is kept), so printing issues a new link for each
    case and the earlier ones stop working: the page says so and asks first (a POST)."""
    area = request.user.area
    assert area is not None
    if area_id := (request.POST.get("area") or request.GET.get("area", "")).strip():
        if not area_id.isdigit():
            return HttpResponse(_("Unknown area."), status=400)
        area = get_object_or_404(Area.objects.for_user(request.user), pk=area_id)
    per_page = 4 if (request.POST.get("per_page") or request.GET.get("per_page")) == "4" else 1
    cases = sorted_households(
        list(
            _cases(request)
            .filter(
                status=Status.ACTIVE,
                resident__household__area__path__startswith=area.path,
            )
            .order_by("pk")[: services.SHEETS_MAX]
        ),
        household="resident.household",
    )
    context: dict[str, Any] = {"area": area, "count": len(cases), "per_page": per_page}
    if request.method == "POST" and cases:
        helps: dict[int, services.Help] = {}
        sheets = []
        for case in cases:
            token = perform(request, partial(services.case_link_issue, by=request.user, case=case))
            if token is None:
                continue
            village_area = _area_of(case)
            if village_area.pk not in helps:
                helps[village_area.pk] = services.village_help(village_area)
            sheets.append(_sheet(request, case, token, helps[village_area.pk]))
        context["sheets"] = sheets
    areas = Area.objects.for_user(request.user).filter(
        level__in=[Level.TOWNSHIP, Level.VILLAGE, Level.GROUP, Level.GRID]
    )
    context["areas"] = areas.order_by("path")[:300]
    return render(request, "monitoring/case_sheets.html", context)


@never_cache
@csrf_protect
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    """Public, no account: the person's own temperature form, while under observation."""
    case = services.case_for_link(token)
    if case is None:
        return render(request, "monitoring/self_report_gone.html", status=404)
    now = timezone.now()
    slot = case.policy.slot_at(now)
    day = timezone.localdate(now, local_tz())
    late = False
    if slot is None:  # between or after the windows: today's last closed check-in, late
        taken = set(CheckIn.objects.filter(case=case, date=day).values_list("slot", flat=True))
        closed = [n for n in (2, 1) if case.policy.slot_end(day, n) <= now]
        if closed and closed[0] not in taken:
            slot, late = closed[0], True
    form = SelfReportForm(request.POST or None)
    done = CheckIn.objects.filter(case=case, date=day, slot=slot).exists() if slot else False
    status = 200
    if request.method == "POST":
        if services.case_link_rate_limited(case=case, ip=client_ip(request)):
            return render(
                request,
                "monitoring/self_report.html",
                {"name": first_name(case.resident.name), "limited": True},
                status=429,
            )
        if slot is None:
            status = 400
        elif form.is_valid():
            try:
                services.checkin_record(
                    case=case,
                    by=None,
                    temperature=form.cleaned_data["temperature"],
                    day=day,
                    slot=slot,
                    symptoms=form.cleaned_data["symptoms"],
                    at=now,
                )
            except ValidationError as error:
                apply_errors(form, error)
                status = 400
            else:
                return redirect(request.path + "?ok=1")
        else:
            status = 400
    # A fever today (this reading or an earlier one): what to do and whom to call (issue 15).
    last = CheckIn.objects.filter(case=case, date=day).order_by("-at", "-pk").first()
    fever = last is not None and last.temperature >= case.policy.fever_threshold
    help_ = services.village_help(case.resident.household.area)
    context = {
        "name": first_name(case.resident.name),
        "fever": fever,
        "fever_reading": last.temperature if fever and last else None,
        "help": help_,
        "form": form,
        "slot": slot,
        "slot_label": case.policy.slot_label(slot) if slot else "",
        "slots": [case.policy.slot_label(1), case.policy.slot_label(2)],
        "late": late,
        "done": done,
        "ok": request.GET.get("ok") == "1",
    }
    return render(request, "monitoring/self_report.html", context, status=status)
