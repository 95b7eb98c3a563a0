"""Screening pages: rounds, coverage with drill-down, the unvisited list and the visit form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap
from fangkong.areas.models import Area
from fangkong.core.audit import client_ip
from fangkong.core.forms import apply_errors, submit
from fangkong.core.http import AuthedRequest
from fangkong.core.idempotency import idempotent_page
from fangkong.core.ordering import in_house_order
from fangkong.core.pagination import paginate
from fangkong.core.permissions import (
    county_admin_required,
    register_writer_required,
    scoped_login_required,
)
from fangkong.monitoring.models import ObservationCase, Source
from fangkong.registry.models import Household, Resident
from fangkong.screening import feedback, figures, services
from fangkong.screening.forms import (
    EntryCloseForm,
    ListDeadlineForm,
    ListUploadForm,
    RiskAreaForm,
    RoundCloseForm,
    RoundForm,
    VisitForm,
    person_forms,
)
from fangkong.screening.models import (
    HouseholdVisit,
    MatchKind,
    PersonCheck,
    ReconciliationEntry,
    ReconciliationList,
    RiskArea,
    ScreeningRound,
    VisitMethod,
    VisitOutcome,
)


def round_manager_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Creating and closing rounds: county, township and village cadres; 403 for others."""

    @scoped_login_required
    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.may(Cap.SCREENING_MANAGE):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _get_round(request: AuthedRequest, pk: int) -> ScreeningRound:
    return get_object_or_404(
        ScreeningRound.objects.for_user(request.user).select_related("area"), pk=pk
    )


def _base_area(request: AuthedRequest, screening_round: ScreeningRound) -> Area:
    """Where the user works in this round: his own area inside the round's, or the round's."""
    user_area = request.user.area
    assert user_area is not None
    return user_area if user_area.is_within(screening_round.area) else screening_round.area


def _chosen_area(request: AuthedRequest, screening_round: ScreeningRound) -> Area | None:
    """``?area=`` inside the user's part of the round (404 outside), else that part; None for a
    malformed value."""
    base = _base_area(request, screening_round)
    area_id = request.GET.get("area", "").strip()
    if not area_id:
        return base
    if not area_id.isdigit() or len(area_id) > 18:
        return None
    return get_object_or_404(Area.objects.subtree(base), pk=area_id)


# --- rounds --------------------------------------------------------------------------------


@scoped_login_required
def round_list(request: AuthedRequest) -> HttpResponse:
    rounds = ScreeningRound.objects.for_user(request.user).select_related("area")
    page = paginate(request, rounds.order_by("-started_on", "-pk"))
    assert request.user.area is not None
    progress = figures.round_progress(list(page.object_list), request.user.area)
    return render(
        request,
        "screening/round_list.html",
        {
            "page": page,
            "rows": [(r, progress[r.pk]) for r in page.object_list],
            "can_manage": request.user.may(Cap.SCREENING_MANAGE),
        },
    )


@round_manager_required
def round_create(request: AuthedRequest) -> HttpResponse:
    form = RoundForm(request.POST or None, user=request.user)
    if (
        screening_round := submit(
            request, form, lambda data: services.round_create(by=request.user, **data)
        )
    ) is not None:
        messages.success(request, _("Screening round created."))
        return redirect("screening:round_detail", pk=screening_round.pk)
    return render(request, "screening/round_form.html", {"form": form})


@scoped_login_required
def round_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    screening_round = _get_round(request, pk)
    area = _chosen_area(request, screening_round)
    if area is None:
        return HttpResponseBadRequest(_("Unknown area."))
    base = _base_area(request, screening_round)
    trail = [*area.ancestors().filter(path__startswith=base.path), area]
    today = timezone.localdate()
    context = {
        "round": screening_round,
        "area": area,
        "trail": trail,
        "coverage": figures.coverage(screening_round, area),
        "returnees": figures.returnees_found(area, today, round=screening_round),
        "can_manage": request.user.may(Cap.SCREENING_MANAGE)
        and request.user.area is not None
        and screening_round.area.is_within(request.user.area),
        "can_visit": request.user.may(Cap.SCREENING_WRITE),
    }
    template = "screening/round_detail.html"
    if request.htmx and request.htmx.target == "coverage-section":
        template += "#coverage"  # a drill-down: only the area's figures
    return render(request, template, context)


@round_manager_required
def round_close(request: AuthedRequest, pk: int) -> HttpResponse:
    """End a round on a date (a page of its own so the end date can be checked first)."""
    screening_round = _get_round(request, pk)
    form = RoundCloseForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if (
        submit(
            request,
            form,
            lambda data: services.round_close(
                by=request.user, round=screening_round, ended_on=data["ended_on"]
            ),
        )
        is not None
    ):
        messages.success(request, _("The round is closed."))
        return redirect("screening:round_detail", pk=screening_round.pk)
    return render(request, "screening/round_close.html", {"round": screening_round, "form": form})


# --- unvisited households and visits -------------------------------------------------------


@scoped_login_required
def unvisited(request: AuthedRequest, pk: int) -> HttpResponse:
    """Households still to visit, by name and address; those found empty say when."""
    screening_round = _get_round(request, pk)
    area = _chosen_area(request, screening_round)
    if area is None:
        return HttpResponseBadRequest(_("Unknown area."))
    last_try = HouseholdVisit.objects.filter(
        county_id=screening_round.county_id,
        round=screening_round,
        household=OuterRef("pk"),
        is_latest=True,
    )
    households = (
        figures.unvisited_households(screening_round, area)
        .select_related("area")
        .annotate(nobody_home_on=Subquery(last_try.values("visited_on")[:1]))
    )
    page: Page = paginate(request, in_house_order(households), default_size=50)
    return render(
        request,
        "screening/unvisited.html",
        {
            "round": screening_round,
            "area": area,
            "page": page,
            "can_visit": request.user.may(Cap.SCREENING_WRITE) and screening_round.ended_on is None,
        },
    )


@register_writer_required
@idempotent_page
def visit_create(request: AuthedRequest, pk: int, household_pk: int) -> HttpResponse:
    """The phone form at the door: who is home, where from, symptoms; or 'nobody home'."""
    screening_round = _get_round(request, pk)
    household = get_object_or_404(
        Household.objects.for_user(request.user)
        .filter(area__path__startswith=screening_round.area.path)
        .select_related("area"),
        pk=household_pk,
    )
    residents = list(Resident.objects.filter(household=household).order_by("pk"))
    data = request.POST if request.method == "POST" else None
    form = VisitForm(data)
    people = person_forms(residents, data)
    if request.method == "POST" and form.is_valid():
        nobody_home = request.POST.get("outcome") == VisitOutcome.NOBODY_HOME
        entries = []
        if not nobody_home and all(p.is_valid() for p in people):
            entries = [e for p in people if (e := p.entry()) is not None]
        if nobody_home or all(p.is_valid() for p in people):
            try:
                services.visit_record(
                    by=request.user,
                    round=screening_round,
                    household=household,
                    outcome=VisitOutcome.NOBODY_HOME if nobody_home else VisitOutcome.VISITED,
                    people=entries,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if nobody_home:
                    messages.info(
                        request,
                        _("%(head)s: nobody home, kept on the list for a revisit.")
                        % {"head": household.head_name},
                    )
                else:
                    messages.success(
                        request, _("%(head)s: visit saved.") % {"head": household.head_name}
                    )
                return redirect(reverse("screening:unvisited", kwargs={"pk": screening_round.pk}))
    earlier = list(
        HouseholdVisit.objects.filter(
            county_id=screening_round.county_id, round=screening_round, household=household
        ).order_by("-visited_on", "-pk")[:5]
    )
    return render(
        request,
        "screening/visit_form.html",
        {
            "round": screening_round,
            "household": household,
            "form": form,
            "people": people,
            "resident_forms": [p for p in people if p.resident is not None],
            "visitor_forms": [p for p in people if p.resident is None],
            "earlier": earlier,
            "methods": VisitMethod,
        },
    )


@scoped_login_required
def visit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(
        HouseholdVisit.objects.for_user(request.user)
        .select_related("round", "household__area", "by")
        .prefetch_related(Prefetch("people", queryset=PersonCheck.objects.order_by("pk"))),
        pk=pk,
    )
    # Observation cases this visit proposed, by resident (those the user may see).
    cases = {
        case.resident_id: case
        for case in ObservationCase.objects.for_user(request.user).filter(
            county_id=visit.county_id, source=Source.SCREENING, source_ref=services.visit_ref(visit)
        )
    }
    people = [
        (person, cases.get(person.resident_id) if person.resident_id else None)
        for person in visit.people.all()
    ]
    return render(request, "screening/visit_detail.html", {"visit": visit, "people": people})


# --- risk areas ----------------------------------------------------------------------------


@county_admin_required
def risk_areas(request: AuthedRequest) -> HttpResponse:
    form = RiskAreaForm(request.POST or None)
    if (
        submit(
            request,
            form,
            lambda data: services.risk_area_save(by=request.user, **data),
        )
        is not None
    ):
        messages.success(request, _("Risk area saved."))
        return redirect("screening:risk_areas")
    return render(
        request,
        "screening/risk_areas.html",
        {"form": form, "risk_areas": RiskArea.objects.order_by("code", "valid_from")},
    )


@county_admin_required
def risk_area_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    risk_area = get_object_or_404(RiskArea, pk=pk)
    form = RiskAreaForm(request.POST or None, instance=risk_area)
    if (
        submit(
            request,
            form,
            lambda data: services.risk_area_save(by=request.user, risk_area=risk_area, **data),
        )
        is not None
    ):
        messages.success(request, _("Risk area saved."))
        return redirect("screening:risk_areas")
    return render(request, "screening/risk_area_form.html", {"form": form, "risk_area": risk_area})


# --- list reconciliation (协查名单) ----------------------------------------------------------


def list_uploader_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Uploading a list: township officers and county administrators; 403 for others."""

    @scoped_login_required
    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.may(Cap.LISTS_MANAGE):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@scoped_login_required
def list_index(request: AuthedRequest) -> HttpResponse:
    lists = (
        ReconciliationList.objects.for_user(request.user)
        .select_related("area")
        .annotate(
            open_count=Count(
                "entries",
                filter=Q(entries__closed_at__isnull=True)
                & Q(entries__assigned_area__path__startswith=request.user.area.path),  # type: ignore[union-attr]
            )
        )
        .order_by("-uploaded_at", "-pk")
    )
    page = paginate(request, lists)
    return render(
        request,
        "screening/list_index.html",
        {"page": page, "can_upload": request.user.may(Cap.LISTS_MANAGE)},
    )


@list_uploader_required
def list_upload(request: AuthedRequest) -> HttpResponse:
    form = ListUploadForm(request.POST or None, request.FILES or None)
    reconciliation = submit(
        request,
        form,
        lambda data: services.list_upload(
            by=request.user,
            source=data["file"],
            filename=data["file"].name,
            title=data["title"],
            received_on=data["received_on"],
        ),
    )
    if reconciliation is not None:
        messages.success(request, _("List uploaded and matched against the register."))
        return redirect("screening:list_detail", pk=reconciliation.pk)
    return render(request, "screening/list_upload.html", {"form": form})


@scoped_login_required
def list_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The result of an upload: entries by match and status; forwarded ones only as a count."""
    reconciliation = get_object_or_404(
        ReconciliationList.objects.for_user(request.user).select_related("area", "uploaded_by"),
        pk=pk,
    )
    entries = list(
        ReconciliationEntry.objects.for_user(request.user)
        .filter(county_id=reconciliation.county_id, list=reconciliation)
        .select_related("assigned_area")
        .order_by("closed_at", "row")
    )
    user_area = request.user.area
    assert user_area is not None
    forwarded = 0
    if reconciliation.area.is_within(user_area):  # the uploader's side
        forwarded = (
            ReconciliationEntry.objects.filter(
                county_id=reconciliation.county_id, list=reconciliation
            )
            .exclude(assigned_area__path__startswith=user_area.path)
            .count()
        )
    summary = dict.fromkeys(MatchKind.values, 0)
    for entry in entries:
        summary[entry.match] += 1
    answers = services.can_send_feedback(request.user, reconciliation)
    overdue_elsewhere = 0
    if answers and forwarded and feedback.is_overdue(reconciliation):
        overdue_elsewhere = (
            ReconciliationEntry.objects.filter(
                county_id=reconciliation.county_id, list=reconciliation, closed_at__isnull=True
            )
            .exclude(assigned_area__path__startswith=user_area.path)
            .count()
        )
    return render(
        request,
        "screening/list_detail.html",
        {
            "list": reconciliation,
            "overdue": feedback.overdue_entries(reconciliation, entries),
            "overdue_elsewhere": overdue_elsewhere,
            "answers": answers,
            "deadline_form": ListDeadlineForm(initial={"deadline": reconciliation.deadline})
            if answers
            else None,
            "open_entries": [e for e in entries if e.is_open],
            "closed_entries": [e for e in entries if not e.is_open],
            "forwarded": forwarded,
            "summary": [(MatchKind(k).label, n) for k, n in summary.items()],
            "rejected": reconciliation.rejected if reconciliation.area.is_within(user_area) else [],
        },
    )


def _answered_list(request: AuthedRequest, pk: int) -> ReconciliationList:
    """A list the user sees (else 404) and answers for (else 403)."""
    reconciliation = get_object_or_404(
        ReconciliationList.objects.for_user(request.user).select_related("area"), pk=pk
    )
    if not services.can_send_feedback(request.user, reconciliation):
        raise PermissionDenied
    return reconciliation


@scoped_login_required
def list_feedback(request: AuthedRequest, pk: int) -> HttpResponse:
    """The feedback sheet (反馈表) for the level above, as .xlsx; audited."""
    reconciliation = _answered_list(request, pk)
    body, _rows = feedback.feedback_export(
        by=request.user, reconciliation=reconciliation, ip=client_ip(request)
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="feedback-{reconciliation.pk}.xlsx"'
    return response


@scoped_login_required
def list_deadline(request: AuthedRequest, pk: int) -> HttpResponse:
    """When the level above wants the results of a list (also a form on the list's page)."""
    reconciliation = _answered_list(request, pk)
    form = ListDeadlineForm(request.POST or None, initial={"deadline": reconciliation.deadline})
    if request.method == "POST" and form.is_valid():
        try:
            services.list_set_deadline(
                by=request.user,
                reconciliation=reconciliation,
                deadline=form.cleaned_data["deadline"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Deadline saved."))
            return redirect("screening:list_detail", pk=reconciliation.pk)
    return render(
        request,
        "form_page.html",
        {
            "title": _("Results due"),
            "subtitle": reconciliation.title,
            "form": form,
            "cancel_url": reverse("screening:list_detail", args=[reconciliation.pk]),
        },
        status=400 if form.errors else 200,
    )


@scoped_login_required
def entry_tasks(request: AuthedRequest) -> HttpResponse:
    """My tasks: open entries assigned to my area (a grid worker's grid)."""
    entries = (
        ReconciliationEntry.objects.for_user(request.user)
        .open()
        .select_related("list", "assigned_area", "resident__household")
        .order_by("list__received_on", "list_id", "row")
    )
    page = paginate(request, entries, default_size=50)
    return render(request, "screening/entry_tasks.html", {"page": page})


@scoped_login_required
def entry_close(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        ReconciliationEntry.objects.for_user(request.user).select_related(
            "list", "assigned_area", "resident__household__area", "closed_by"
        ),
        pk=pk,
    )
    can_close = request.user.may(Cap.LISTS_WRITE, entry.assigned_area) and entry.is_open
    if request.method == "POST" and not can_close:
        raise PermissionDenied
    form = EntryCloseForm(request.POST or None)
    if (
        submit(
            request,
            form,
            lambda data: services.entry_close(by=request.user, entry=entry, **data),
        )
        is not None
    ):
        messages.success(request, _("%(name)s: closed.") % {"name": entry.name})
        return redirect("screening:entry_tasks")
    case = (
        ObservationCase.objects.for_user(request.user)
        .filter(
            county_id=entry.county_id,
            source=Source.RECONCILIATION,
            source_ref=services.entry_ref(entry),
        )
        .first()
    )
    return render(
        request,
        "screening/entry_close.html",
        {
            "entry": entry,
            "form": form,
            "can_close": can_close,
            "case": case,
            "resident": entry.resident_shown,
        },
    )
