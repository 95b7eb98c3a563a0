"""Checkpoint pages: the list, the desk where passages are registered (form, pass scan, pending
self-registrations), the poster, passages, referrals, passes, and the public self-registration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from fangkong.accounts.access import Cap
from fangkong.checkpoints import services
from fangkong.checkpoints.figures import DEFAULT_FEVER as FEVER_SHOWN
from fangkong.checkpoints.forms import (
    CheckpointForm,
    ConfirmForm,
    PassageForm,
    PassForm,
    RevokeForm,
    ScanForm,
    SelfRegistrationForm,
    occupant_rows,
)
from fangkong.checkpoints.models import (
    Checkpoint,
    Direction,
    HouseholdPass,
    Outcome,
    Passage,
    PassageOccupant,
    PreRegistration,
    Subject,
)
from fangkong.core.audit import client_ip
from fangkong.core.clock import today_local
from fangkong.core.forms import apply_errors, perform, submit
from fangkong.core.http import AuthedRequest
from fangkong.core.idempotency import idempotent_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import scoped_login_required
from fangkong.core.ratelimit import public_rate_limited
from fangkong.registry.models import Household, Resident
from fangkong.workforce.models import ShiftAssignment

# Self-registrations allowed per address (across all posters) and per poster, per hour. Only
# posts from an address still within its own budget count against the poster's, so one source
# cannot shut a poster for the visitors queueing at it (``core.ratelimit.public_rate_limited``).
SELF_REGISTRATION_LIMIT = 300
SELF_REGISTRATION_PER_ADDRESS = 5
SELF_REGISTRATION_WINDOW = 3600


def _writer(request: AuthedRequest) -> None:
    if not request.user.may(Cap.CHECKPOINTS_WRITE):
        raise PermissionDenied


def _manager(request: AuthedRequest) -> None:
    if not request.user.may(Cap.CHECKPOINTS_MANAGE):
        raise PermissionDenied


def on_duty_now(checkpoints: list[Checkpoint]) -> dict[int, list[str]]:
    """Names of the people clocked in now at each checkpoint: one query."""
    names: dict[int, list[str]] = {}
    if not checkpoints:
        return names
    rows = (
        ShiftAssignment.objects.on_duty_at(timezone.now())
        .filter(
            county_id=checkpoints[0].county_id,
            shift__post__checkpoint__in=[c.pk for c in checkpoints],
        )
        .values_list("shift__post__checkpoint_id", "worker__name")
        .order_by("worker__name")
    )
    for checkpoint_id, name in rows:
        names.setdefault(checkpoint_id, []).append(name)
    return names


@scoped_login_required
def checkpoint_list(request: AuthedRequest) -> HttpResponse:
    day = today_local()
    checkpoints = list(
        Checkpoint.objects.for_user(request.user)
        .select_related("area")
        .order_by("area__path", "name")
    )
    ids = [c.pk for c in checkpoints]
    county_id = request.user.area.county_id  # type: ignore[union-attr]
    today = {
        row["checkpoint_id"]: row
        for row in Passage.objects.filter(county_id=county_id, checkpoint_id__in=ids, day=day)
        .values("checkpoint_id")
        .annotate(
            people=Sum("people"),
            turned_back=Count("pk", filter=Q(outcome=Outcome.TURNED_BACK)),
        )
        .order_by()
    }
    pending = dict(
        PreRegistration.objects.pending()
        .filter(county_id=county_id, checkpoint_id__in=ids)
        .values("checkpoint_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("checkpoint_id", "n")
    )
    staff = on_duty_now(checkpoints)
    for checkpoint in checkpoints:
        row: Any = today.get(checkpoint.pk, {})
        checkpoint.people_today = row.get("people") or 0  # type: ignore[attr-defined]
        checkpoint.turned_back_today = row.get("turned_back") or 0  # type: ignore[attr-defined]
        checkpoint.pending = pending.get(checkpoint.pk, 0)  # type: ignore[attr-defined]
        checkpoint.staff_now = staff.get(checkpoint.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "checkpoints/checkpoint_list.html",
        {
            "checkpoints": checkpoints,
            "day": day,
            "can_manage": request.user.may(Cap.CHECKPOINTS_MANAGE),
            "can_register": request.user.may(Cap.CHECKPOINTS_WRITE),
        },
    )


@scoped_login_required
def checkpoint_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    _manager(request)
    checkpoint = get_object_or_404(Checkpoint.objects.for_user(request.user), pk=pk) if pk else None
    initial = CheckpointForm.initial_for(checkpoint) if checkpoint else {"active": True}
    form = CheckpointForm(request.POST or None, user=request.user, initial=initial)
    if (
        checkpoint := submit(
            request,
            form,
            lambda data: services.checkpoint_save(by=request.user, checkpoint=checkpoint, **data),
        )
    ) is not None:
        messages.success(request, _("Checkpoint saved."))
        return redirect("checkpoints:desk", pk=checkpoint.pk)
    return render(
        request, "checkpoints/checkpoint_form.html", {"form": form, "checkpoint": checkpoint}
    )


# Below the outcome buttons, under "more details": what is rarely typed at the barrier.
MORE_FIELDS = ("vehicle_type", "id_number", "destination", "purpose", "notes")


def _desk_context(request: AuthedRequest, checkpoint: Checkpoint, **extra: Any) -> dict:
    pending = list(
        PreRegistration.objects.pending()
        .filter(county_id=checkpoint.county_id, checkpoint=checkpoint)
        .order_by("created_at")[:30]
    )
    day = today_local()
    for pre in pending:
        pre.needs_desk = services.pre_registration_needs_desk(pre, day)  # type: ignore[attr-defined]
    recent = list(
        Passage.objects.filter(county_id=checkpoint.county_id, checkpoint=checkpoint)
        .defer("phone", "id_number")
        .order_by("-at", "-pk")[:10]
    )
    form = extra.pop("form", None) or PassageForm(initial={"direction": "in"})
    return {
        "checkpoint": checkpoint,
        "form": form,
        "scan_form": extra.pop("scan_form", None) or ScanForm(),
        "pending": pending,
        "recent": recent,
        "staff_now": on_duty_now([checkpoint]).get(checkpoint.pk, []),
        "outcomes": Outcome.choices,
        "can_manage": request.user.may(Cap.CHECKPOINTS_MANAGE),
        "more_fields": MORE_FIELDS,
        "more_open": any(form[name].errors for name in MORE_FIELDS) if form.is_bound else False,
        **_occupants_context(form.data if form.is_bound else {}),
        **extra,
    }


def _occupants_context(data: Any) -> dict[str, Any]:
    """The risk warning and the rows of people for what has been typed so far."""
    subject = data.get("subject", Subject.PERSON)
    try:
        people = int(data.get("people") or 1)
    except ValueError:
        people = 1
    rows = occupant_rows(data, people) if subject == Subject.VEHICLE else []
    return {
        "subject": subject,
        "rows": rows,
        "listed": any(any(row.values()) for row in rows),
        "risk": services.risk_area_name(data.get("travel_from", ""), today_local())
        if data.get("travel_from")
        else "",
    }


def _checkpoint(request: AuthedRequest, pk: int) -> Checkpoint:
    return get_object_or_404(
        Checkpoint.objects.for_user(request.user).select_related("area"), pk=pk
    )


@scoped_login_required
@idempotent_page
def desk(request: AuthedRequest, pk: int) -> HttpResponse:
    """The registration page at the barrier: one POST registers a passage."""
    checkpoint = _checkpoint(request, pk)
    pre = _pending_pre(checkpoint, request.POST.get("pre") or request.GET.get("pre"))
    if request.method != "POST":
        return render(
            request, "checkpoints/desk.html", _desk_context(request, checkpoint, **_prefill(pre))
        )
    _writer(request)
    form = PassageForm(request.POST)
    occupant_errors: list[str] = []
    if form.is_valid():
        details = form.details()
        if pre is not None:
            details = services.pre_registration_fill(pre, details)
        try:
            passage = services.passage_register(
                by=request.user,
                checkpoint=checkpoint,
                details=details,
                outcome=form.cleaned_data["outcome"],
                temperature=form.cleaned_data.get("temperature"),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                occupant_errors = [
                    m for e in error.error_dict.pop("occupants", []) for m in e.messages
                ]
            if not hasattr(error, "error_dict") or error.error_dict:
                apply_errors(form, error)
        else:
            if pre is not None:
                services.pre_registration_link(by=request.user, pre=pre, passage=passage)
            who = passage.plate or passage.name or _("a person")
            if getattr(passage, "repeated", False):
                messages.info(
                    request,
                    _("Already registered at %(time)s: %(who)s (not counted twice).")
                    % {"time": timezone.localtime(passage.at).strftime("%H:%M"), "who": who},
                )
            else:
                messages.success(
                    request,
                    _("Registered: %(who)s, %(outcome)s.")
                    % {"who": who, "outcome": passage.get_outcome_display()},
                )
            return redirect("checkpoints:desk", pk=checkpoint.pk)
    return render(
        request,
        "checkpoints/desk.html",
        _desk_context(
            request, checkpoint, form=form, occupant_errors=occupant_errors, pre_open=pre
        ),
        status=400,
    )


def _pending_pre(checkpoint: Checkpoint, pre_id: str | None) -> PreRegistration | None:
    """A waiting self-registration of this checkpoint, named by the desk form's ``pre``."""
    if not pre_id or not str(pre_id).isdigit():
        return None
    return (
        PreRegistration.objects.pending()
        .filter(county_id=checkpoint.county_id, checkpoint=checkpoint, pk=pre_id)
        .first()
    )


def _prefill(pre: PreRegistration | None) -> dict[str, Any]:
    """The desk form filled from a self-registration (issue 15): the vehicle, where from, and the
    driver in the first seat; the phone and ID numbers are added on the server, never shown."""
    if pre is None:
        return {}
    data = {
        "direction": pre.direction,
        "subject": pre.subject,
        "plate": pre.plate,
        "people": pre.people,
        "name": pre.name,
        "travel_from": pre.travel_from,
        "destination": pre.destination,
        "purpose": pre.purpose,
    }
    rows: dict[str, Any] = dict(data)
    if pre.subject == Subject.VEHICLE:
        rows.update({"occ-1-name": pre.name, "occ-1-destination": pre.destination})
        for seat, other in enumerate(pre.other_people, start=2):  # their numbers stay here
            rows.update(
                {f"occ-{seat}-name": other["name"], f"occ-{seat}-destination": pre.destination}
            )
    return {
        "form": PassageForm(initial={**data, "vehicle_type": "car"}),
        "pre_open": pre,
        **_occupants_context(rows),
    }


@scoped_login_required
def desk_check(request: AuthedRequest, pk: int) -> HttpResponse:
    """The warning and the rows of people as the desk form is typed (htmx, before the outcome)."""
    _checkpoint(request, pk)
    return render(
        request,
        "checkpoints/desk.html#occupants",
        {"outcomes": Outcome.choices, **_occupants_context(request.GET)},
    )


@scoped_login_required
@idempotent_page
def scan(request: AuthedRequest, pk: int) -> HttpResponse:
    """A pass scanned (or its number typed): checked and recorded in one request."""
    checkpoint = _checkpoint(request, pk)
    if request.method != "POST":
        return render(request, "checkpoints/desk.html", _desk_context(request, checkpoint))
    _writer(request)
    form = ScanForm(request.POST)
    choices: list[Resident] = []
    if form.is_valid():
        holder = None
        if holder_id := form.cleaned_data.get("holder"):
            holder = Resident.objects.filter(county_id=checkpoint.county_id, pk=holder_id).first()
        code = form.cleaned_data["code"]
        try:
            passage = services.pass_scan(
                by=request.user,
                checkpoint=checkpoint,
                code=code,
                direction=form.cleaned_data["direction"],
                holder=holder,
            )
        except ValidationError as error:
            apply_errors(form, error)
            found = services.pass_find(checkpoint=checkpoint, code=code)
            refusals = getattr(error, "error_dict", {}).get("holder", [])
            if found is not None and any(e.code == "observed" for e in refusals):
                choices = services.pass_users(found, day=today_local())[0]
        else:
            messages.success(
                request,
                _("Pass valid: %(name)s may go through.") % {"name": passage.name},
            )
            return redirect("checkpoints:desk", pk=checkpoint.pk)
    return render(
        request,
        "checkpoints/desk.html",
        _desk_context(request, checkpoint, scan_form=form, holder_choices=choices),
        status=400,
    )


@scoped_login_required
@idempotent_page
def pending_confirm(request: AuthedRequest, pk: int, pre_pk: int) -> HttpResponse:
    checkpoint = _checkpoint(request, pk)
    pre = get_object_or_404(
        PreRegistration.objects.filter(county_id=checkpoint.county_id, checkpoint=checkpoint),
        pk=pre_pk,
    )
    if request.method != "POST":
        return render(request, "checkpoints/desk.html", _desk_context(request, checkpoint))
    _writer(request)
    if request.POST.get("dismiss"):
        services.pre_registration_dismiss(by=request.user, pre=pre)
        messages.success(request, _("Registration dismissed."))
        return redirect("checkpoints:desk", pk=checkpoint.pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.pre_registration_confirm(
                by=request.user,
                pre=pre,
                temperature=form.cleaned_data["temperature"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as error:
            if "occupants" in getattr(error, "error_dict", {}):  # the people are needed
                messages.warning(
                    request,
                    _("%(name)s: enter the people in the vehicle, then choose the outcome.")
                    % {"name": pre.name},
                )
                return redirect(
                    reverse("checkpoints:desk", args=[checkpoint.pk]) + f"?pre={pre.pk}"
                )
            messages.error(request, f"{pre.name}: " + " ".join(error.messages))
        else:
            messages.success(request, _("Confirmed: %(name)s.") % {"name": pre.name})
    else:
        messages.error(request, _("Take the temperature first."))
    return redirect("checkpoints:desk", pk=checkpoint.pk)


@scoped_login_required
def poster(request: AuthedRequest, pk: int) -> HttpResponse:
    """The printable QR poster of the checkpoint's self-registration link."""
    checkpoint = _checkpoint(request, pk)
    if request.method == "POST":
        _manager(request)
        services.checkpoint_new_poster(by=request.user, checkpoint=checkpoint)
        messages.success(request, _("New poster: the old one no longer works."))
        return redirect("checkpoints:poster", pk=checkpoint.pk)
    url = request.build_absolute_uri(
        reverse("self_register", kwargs={"token": checkpoint.register_token})
    )
    return render(
        request,
        "checkpoints/poster.html",
        {
            "checkpoint": checkpoint,
            "url": url,
            "qr": segno.make(url, error="m").svg_inline(scale=6),
            "can_manage": request.user.may(Cap.CHECKPOINTS_MANAGE),
        },
    )


@scoped_login_required
def passage_list(request: AuthedRequest) -> HttpResponse:
    passages = (
        Passage.objects.for_user(request.user)
        .select_related("checkpoint", "case")
        .defer("phone", "id_number", "case__source_ref")
        .order_by("-at", "-pk")
    )
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = None
    if day:
        passages = passages.filter(day=day)
    if (outcome := request.GET.get("outcome", "")) in Outcome.values:
        passages = passages.filter(outcome=outcome)
    if (subject := request.GET.get("subject", "")) in Subject.values:
        passages = passages.filter(subject=subject)
    if (checkpoint := request.GET.get("checkpoint", "")).isdigit():
        passages = passages.filter(checkpoint_id=int(checkpoint))
    if (direction := request.GET.get("direction", "")) in Direction.values:
        passages = passages.filter(direction=direction)
    if request.GET.get("risk") == "1":  # arrivals from risk areas, flagged for the village
        passages = passages.filter(via_risk_area=True)
    if request.GET.get("fever") == "1":
        fevers = PassageOccupant.objects.filter(
            passage=OuterRef("pk"), temperature__gte=FEVER_SHOWN
        )
        passages = passages.filter(Q(temperature__gte=FEVER_SHOWN) | Exists(fevers))
    page = paginate(request, passages)
    prefetch_related_objects(
        [p for p in page if p.occupants_listed],
        Prefetch("occupants", queryset=PassageOccupant.objects.defer("id_number")),
    )
    query = "&".join(
        f"{k}={v}"
        for k, v in request.GET.items()
        if k in {"day", "outcome", "subject", "checkpoint", "direction", "risk", "fever"}
    )
    return render(
        request,
        "checkpoints/passage_list.html",
        {"page": page, "day": day, "query": query, "outcome": outcome},
    )


@scoped_login_required
def referral_list(request: AuthedRequest) -> HttpResponse:
    """People referred at a checkpoint for whom no observation case is proposed yet."""
    passages = (
        Passage.objects.for_user(request.user)
        .filter(outcome=Outcome.REFERRED, case__isnull=True)
        .select_related("checkpoint", "resident__household__area")
        .defer("id_number", "resident__id_number", "resident__phone", "resident__household__phone")
        .order_by("-at")
    )
    page = paginate(request, passages)
    return render(
        request,
        "checkpoints/referral_list.html",
        {"page": page, "can_propose": request.user.can_write_register},
    )


@scoped_login_required
@idempotent_page
def referral_propose(request: AuthedRequest, pk: int) -> HttpResponse:
    passage = get_object_or_404(
        Passage.objects.for_user(request.user).select_related("checkpoint"), pk=pk
    )
    if not request.user.can_write_register:
        raise PermissionDenied
    if request.method != "POST":
        return render(request, "checkpoints/referral_propose.html", {"passage": passage})
    proposed = perform(
        request, lambda: services.referral_propose_case(by=request.user, passage=passage)
    )
    if proposed is None:
        return redirect("checkpoints:referral_list")
    passage = proposed
    messages.success(request, _("Observation case proposed."))
    return redirect("monitoring:case_detail", pk=passage.case_id)


# --- passes -------------------------------------------------------------------------------------


@scoped_login_required
def pass_list(request: AuthedRequest) -> HttpResponse:
    passes = (
        HouseholdPass.objects.for_user(request.user)
        .select_related("household__area")
        .defer("household__phone")
        .annotate(used=Count("uses"))
        .order_by("-issued_at", "-pk")
    )
    query = request.GET.get("q", "").strip()[:30]
    if query:
        passes = passes.filter(Q(number=query) | Q(household__head_name__contains=query))
    households: list[Household] = []
    if query and request.user.may(Cap.CHECKPOINTS_MANAGE):
        households = list(
            Household.objects.for_user(request.user)
            .filter(Q(head_name__contains=query) | Q(address__contains=query))
            .select_related("area")
            .defer("phone")[:20]
        )
    page = paginate(request, passes)
    return render(
        request,
        "checkpoints/pass_list.html",
        {
            "page": page,
            "query": query,
            "households": households,
            "day": today_local(),
            "can_manage": request.user.may(Cap.CHECKPOINTS_MANAGE),
        },
    )


@scoped_login_required
@idempotent_page
def pass_create(request: AuthedRequest, household_pk: int) -> HttpResponse:
    _manager(request)
    household = get_object_or_404(
        Household.objects.for_user(request.user).select_related("area"), pk=household_pk
    )
    form = PassForm(request.POST or None, household=household)
    if (
        household_pass := submit(
            request,
            form,
            lambda data: services.pass_issue(
                by=request.user,
                household=household,
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                holders=list(data["holders"]),
                uses_allowed=data["uses_allowed"],
                every_days=data["every_days"] or 1,
                rule_note=data["rule_note"],
            ),
        )
    ) is not None:
        messages.success(request, _("Pass issued."))
        return redirect("checkpoints:pass_detail", pk=household_pass.pk)
    return render(request, "checkpoints/pass_form.html", {"form": form, "household": household})


def _pass_qr(request: HttpRequest, household_pass: HouseholdPass) -> tuple[str, str]:
    url = request.build_absolute_uri(reverse("pass_check", kwargs={"token": household_pass.token}))
    return url, segno.make(url, error="m").svg_inline(scale=5)


@scoped_login_required
def pass_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    household_pass = get_object_or_404(
        HouseholdPass.objects.for_user(request.user).select_related("household__area"), pk=pk
    )
    form = RevokeForm(request.POST or None)
    if request.method == "POST":
        _manager(request)
        if form.is_valid():
            try:
                services.pass_revoke(
                    by=request.user,
                    household_pass=household_pass,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Pass revoked."))
                return redirect("checkpoints:pass_detail", pk=household_pass.pk)
    url, qr = _pass_qr(request, household_pass)
    uses = list(household_pass.uses.select_related("checkpoint").defer("phone", "id_number")[:20])
    return render(
        request,
        "checkpoints/pass_detail.html",
        {
            "pass": household_pass,
            "holders": list(household_pass.holders.all().defer("id_number", "phone")),
            "uses": uses,
            "url": url,
            "qr": qr,
            "form": form,
            "problem": services.pass_problem(household_pass, day=today_local(), direction="out"),
            "can_manage": request.user.may(Cap.CHECKPOINTS_MANAGE),
        },
    )


@scoped_login_required
def pass_check(request: AuthedRequest, token: str) -> HttpResponse:
    """Where a pass's QR code leads a member of staff: its state, and one tap to let through at
    one of their checkpoints."""
    household_pass = get_object_or_404(
        HouseholdPass.objects.for_user(request.user).select_related("household__area"),
        token=token,
    )
    checkpoints = list(Checkpoint.objects.for_user(request.user).filter(active=True))
    holders = list(household_pass.holders.all().defer("id_number", "phone"))
    if request.method == "POST":
        _writer(request)
        checkpoint = next(
            (c for c in checkpoints if str(c.pk) == request.POST.get("checkpoint")), None
        )
        holder = next((h for h in holders if str(h.pk) == request.POST.get("holder")), None)
        if checkpoint is None:
            messages.error(request, _("Choose the checkpoint."))
        else:
            scanned = perform(
                request,
                lambda: services.pass_scan(
                    by=request.user,
                    checkpoint=checkpoint,
                    code=household_pass.token,
                    direction=request.POST.get("direction", "out"),
                    holder=holder,
                ),
            )
            if scanned is not None:
                request.session["checkpoint"] = checkpoint.pk
                messages.success(request, _("Recorded: the pass holder may go through."))
                return redirect("checkpoints:desk", pk=checkpoint.pk)
    return render(
        request,
        "checkpoints/pass_check.html",
        {
            "pass": household_pass,
            "holders": holders,
            "checkpoints": checkpoints,
            "current": request.session.get("checkpoint"),
            "problem": services.pass_problem(household_pass, day=today_local(), direction="out"),
        },
    )


# --- the public self-registration --------------------------------------------------------------


@never_cache
@csrf_protect
def self_register(request: HttpRequest, token: str) -> HttpResponse:
    """Public, no account: a visitor fills in their details before reaching the barrier."""
    checkpoint = services.checkpoint_for_token(token)
    if checkpoint is None:
        return render(request, "checkpoints/self_register_gone.html", status=404)
    form = SelfRegistrationForm(request.POST or None)
    occupant_errors: list[str] = []
    status = 200
    if request.method == "POST":
        if public_rate_limited(
            scope="selfregister",
            page=str(checkpoint.pk),
            address=client_ip(request),
            per_address=SELF_REGISTRATION_PER_ADDRESS,
            per_page=SELF_REGISTRATION_LIMIT,
            window=SELF_REGISTRATION_WINDOW,
        ):
            return render(
                request,
                "checkpoints/self_register.html",
                {"checkpoint": checkpoint, "limited": True},
                status=429,
            )
        if form.is_valid():
            try:
                pre = services.pre_registration_submit(
                    checkpoint=checkpoint, details=form.details(), others=form.others()
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    occupant_errors = [
                        m for e in error.error_dict.pop("occupants", []) for m in e.messages
                    ]
                if not hasattr(error, "error_dict") or error.error_dict:
                    apply_errors(form, error)
                status = 400
            else:
                return render(
                    request,
                    "checkpoints/self_register.html",
                    {"checkpoint": checkpoint, "done": pre},
                )
        else:
            status = 400
    return render(
        request,
        "checkpoints/self_register.html",
        {
            "checkpoint": checkpoint,
            "form": form,
            "others": form.other_rows(),
            "occupant_errors": occupant_errors,
        },
        status=status,
    )
