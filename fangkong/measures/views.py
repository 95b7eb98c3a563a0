"""Field-measure pages: the day's disinfection plan with the places not done by name, gatherings,
venues with their checks, publicity, and inspections with findings and accountability."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch, Q, Sum
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap
from fangkong.core.clock import today_local
from fangkong.core.forms import DayForm, submit
from fangkong.core.http import AuthedRequest
from fangkong.core.idempotency import idempotent_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import capability_required, scoped_login_required
from fangkong.measures import figures, services
from fangkong.measures.forms import (
    AccountabilityForm,
    CloseFindingForm,
    DisinfectionForm,
    FindingForm,
    GatheringForm,
    InspectionForm,
    OutcomeForm,
    PlaceForm,
    PublicityForm,
    VenueCheckForm,
    VenueForm,
)
from fangkong.measures.models import (
    PUBLICITY_UNITS,
    Accountability,
    Disinfection,
    Finding,
    Gathering,
    Inspection,
    InspectionQuerySet,
    KeyPlace,
    Publicity,
    PublicityKind,
    Venue,
    VenueKind,
    VenueStatus,
)


def _form_page(
    request: AuthedRequest,
    form: BaseForm,
    action: Callable[[Mapping[str, Any]], Any],
    *,
    title: str,
    done: str,
    back: str,
    subtitle: str = "",
    then: Callable[[Any], str] | None = None,
) -> HttpResponse:
    """A form whose valid post calls a service, then goes to ``then(result)`` or back."""
    if (result := submit(request, form, action)) is not None:
        messages.success(request, done)
        return redirect(then(result) if then else back)
    return render(
        request,
        "form_page.html",
        {"title": title, "subtitle": subtitle, "form": form, "cancel_url": back},
    )


@scoped_login_required
def index(request: AuthedRequest) -> HttpResponse:
    assert request.user.area is not None
    day = today_local()
    return render(
        request,
        "measures/index.html",
        {"day": day, "f": figures.measure_figures(request.user.area, day)},
    )


# --- disinfection -----------------------------------------------------------------------------


@scoped_login_required
def disinfection(request: AuthedRequest) -> HttpResponse:
    """The day's plan: coverage, the places not yet done by name, the records of the day."""
    assert request.user.area is not None
    day = DayForm(request.GET).day(today_local())
    records = (
        Disinfection.objects.for_user(request.user)
        .filter(day=day)
        .select_related("place__area", "by", "entry__item")
        .order_by("place__area__path", "place__name", "at")
    )
    return render(
        request,
        "measures/disinfection.html",
        {
            "day": day,
            "is_today": day == today_local(),
            "coverage": figures.disinfection_coverage(request.user.area, day),
            "records": list(records),
            "can_record": request.user.may(Cap.MEASURES_WRITE),
            "can_plan": request.user.may(Cap.MEASURES_MANAGE),
        },
    )


@capability_required(Cap.MEASURES_MANAGE)
@idempotent_page
def place_create(request: AuthedRequest) -> HttpResponse:
    return _form_page(
        request,
        PlaceForm(request.POST or None, user=request.user),
        lambda d: services.place_create(by=request.user, **d),
        title=_("New key place"),
        done=_("Place added to the daily plan."),
        back=reverse("measures:disinfection"),
    )


@capability_required(Cap.MEASURES_WRITE)
@idempotent_page
def disinfection_record(request: AuthedRequest, pk: int) -> HttpResponse:
    place = get_object_or_404(KeyPlace.objects.for_user(request.user).select_related("area"), pk=pk)
    return _form_page(
        request,
        DisinfectionForm(request.POST or None, user=request.user, place=place),
        lambda d: services.disinfection_record(by=request.user, place=place, **d),
        title=_("Record a disinfection"),
        subtitle=f"{place.name} · {place.area.name}",
        done=_("Disinfection recorded."),
        back=reverse("measures:disinfection"),
    )


# --- gatherings and venues --------------------------------------------------------------------


@scoped_login_required
def gathering_list(request: AuthedRequest) -> HttpResponse:
    gatherings = (
        Gathering.objects.for_user(request.user)
        .select_related("area")
        .order_by("-reported_on", "-pk")
    )
    return render(
        request,
        "measures/gathering_list.html",
        {"page": paginate(request, gatherings), "can_write": request.user.may(Cap.MEASURES_WRITE)},
    )


@capability_required(Cap.MEASURES_WRITE)
@idempotent_page
def gathering_create(request: AuthedRequest) -> HttpResponse:
    return _form_page(
        request,
        GatheringForm(request.POST or None, user=request.user),
        lambda d: services.gathering_report(by=request.user, **d),
        title=_("Report a gathering"),
        done=_("Gathering recorded."),
        back=reverse("measures:gathering_list"),
    )


@capability_required(Cap.MEASURES_WRITE)
@idempotent_page
def gathering_outcome(request: AuthedRequest, pk: int) -> HttpResponse:
    gathering = get_object_or_404(Gathering.objects.for_user(request.user), pk=pk)
    return _form_page(
        request,
        OutcomeForm(request.POST or None),
        lambda d: services.gathering_outcome(by=request.user, gathering=gathering, **d),
        title=_("Outcome of the talk"),
        subtitle=str(gathering),
        done=_("Outcome recorded."),
        back=reverse("measures:gathering_list"),
    )


@scoped_login_required
def venue_list(request: AuthedRequest) -> HttpResponse:
    day = today_local()
    venues = Venue.objects.for_user(request.user).with_status(day).select_related("area")
    kind = request.GET.get("kind", "")
    if kind in VenueKind.values:
        venues = venues.filter(kind=kind)
    counts = (
        Venue.objects.for_user(request.user)
        .with_status(day)
        .aggregate(
            closed=Count("pk", filter=Q(status=VenueStatus.CLOSED)),
            conditions=Count("pk", filter=Q(status=VenueStatus.CONDITIONS)),
            open=Count("pk", filter=Q(status=VenueStatus.OPEN)),
        )
    )
    return render(
        request,
        "measures/venue_list.html",
        {
            "page": paginate(
                request, venues.order_by("area__path", "kind", "name"), default_size=50
            ),
            "counts": counts,
            "kinds": VenueKind.choices,
            "kind": kind,
            "query": f"kind={kind}" if kind else "",
            "can_write": request.user.may(Cap.MEASURES_WRITE),
        },
    )


@capability_required(Cap.MEASURES_WRITE)
@idempotent_page
def venue_create(request: AuthedRequest) -> HttpResponse:
    return _form_page(
        request,
        VenueForm(request.POST or None, user=request.user),
        lambda d: services.venue_create(by=request.user, **d),
        title=_("Register a venue"),
        done=_("Venue registered."),
        back=reverse("measures:venue_list"),
    )


@capability_required(Cap.MEASURES_WRITE)
@idempotent_page
def venue_check(request: AuthedRequest, pk: int) -> HttpResponse:
    venue = get_object_or_404(Venue.objects.for_user(request.user), pk=pk)
    checks = list(venue.checks.select_related("by").order_by("-day", "-pk")[:10])
    form = VenueCheckForm(request.POST or None)
    if submit(request, form, lambda d: services.venue_check(by=request.user, venue=venue, **d)):
        messages.success(request, _("Check recorded."))
        return redirect("measures:venue_list")
    return render(
        request, "measures/venue_check.html", {"venue": venue, "form": form, "checks": checks}
    )


# --- publicity --------------------------------------------------------------------------------


@scoped_login_required
def publicity_list(request: AuthedRequest) -> HttpResponse:
    records = Publicity.objects.for_user(request.user).select_related("area", "by")
    sums = dict(
        records.order_by()
        .values_list("kind")
        .annotate(total=Sum("quantity"))
        .values_list("kind", "total")
    )
    totals = [
        (label, sums.get(kind, 0), PUBLICITY_UNITS[PublicityKind(kind)])
        for kind, label in PublicityKind.choices
    ]
    return render(
        request,
        "measures/publicity_list.html",
        {
            "page": paginate(request, records.order_by("-day", "-pk")),
            "totals": totals,
            "can_write": request.user.may(Cap.MEASURES_WRITE),
        },
    )


@capability_required(Cap.MEASURES_WRITE)
@idempotent_page
def publicity_create(request: AuthedRequest) -> HttpResponse:
    return _form_page(
        request,
        PublicityForm(request.POST or None, user=request.user),
        lambda d: services.publicity_record(by=request.user, **d),
        title=_("Record publicity work"),
        done=_("Publicity recorded."),
        back=reverse("measures:publicity_list"),
    )


# --- inspections ------------------------------------------------------------------------------


def _inspections(request: AuthedRequest) -> InspectionQuerySet:
    return Inspection.objects.for_user(request.user).select_related("area", "by")


@scoped_login_required
def inspection_list(request: AuthedRequest) -> HttpResponse:
    inspections = _inspections(request).annotate(
        n_findings=Count("findings", distinct=True),
        n_open=Count("findings", filter=Q(findings__closed_on__isnull=True), distinct=True),
        n_people=Count("accountabilities", distinct=True),
    )
    return render(
        request,
        "measures/inspection_list.html",
        {
            "page": paginate(request, inspections.order_by("-day", "-pk")),
            "can_inspect": request.user.may(Cap.INSPECTIONS_WRITE),
            "people": Accountability.objects.for_user(request.user).count(),
        },
    )


@capability_required(Cap.INSPECTIONS_WRITE)
@idempotent_page
def inspection_create(request: AuthedRequest) -> HttpResponse:
    return _form_page(
        request,
        InspectionForm(request.POST or None, user=request.user),
        lambda d: services.inspection_record(by=request.user, **d),
        title=_("Record an inspection"),
        done=_("Inspection recorded."),
        back=reverse("measures:inspection_list"),
        then=lambda i: reverse("measures:inspection_detail", args=[i.pk]),
    )


@scoped_login_required
def inspection_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(
        _inspections(request).prefetch_related(
            Prefetch("findings", queryset=Finding.objects.select_related("closed_by")),
            "accountabilities",
        ),
        pk=pk,
    )
    return render(
        request,
        "measures/inspection_detail.html",
        {
            "inspection": inspection,
            "day": today_local(),
            "can_inspect": request.user.may(Cap.INSPECTIONS_WRITE),
            "can_close": request.user.may(Cap.FINDINGS_WRITE),
        },
    )


@capability_required(Cap.INSPECTIONS_WRITE)
@idempotent_page
def finding_add(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(_inspections(request), pk=pk)
    back = reverse("measures:inspection_detail", args=[inspection.pk])
    return _form_page(
        request,
        FindingForm(request.POST or None),
        lambda d: services.finding_add(by=request.user, inspection=inspection, **d),
        title=_("Add a finding"),
        subtitle=str(inspection),
        done=_("Finding added."),
        back=back,
    )


@capability_required(Cap.FINDINGS_WRITE)
@idempotent_page
def finding_close(request: AuthedRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(
        Finding.objects.for_user(request.user).select_related("inspection__area"), pk=pk
    )
    return _form_page(
        request,
        CloseFindingForm(request.POST or None),
        lambda d: services.finding_close(by=request.user, finding=finding, **d),
        title=_("Close the finding"),
        subtitle=finding.description,
        done=_("Finding closed."),
        back=reverse("measures:inspection_detail", args=[finding.inspection_id]),
    )


@capability_required(Cap.INSPECTIONS_WRITE)
@idempotent_page
def accountability_add(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(_inspections(request), pk=pk)
    return _form_page(
        request,
        AccountabilityForm(request.POST or None, inspection=inspection),
        lambda d: services.accountability_add(by=request.user, inspection=inspection, **d),
        title=_("Hold a person accountable"),
        subtitle=str(inspection),
        done=_("Recorded."),
        back=reverse("measures:inspection_detail", args=[inspection.pk]),
    )
