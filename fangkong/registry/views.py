"""Register pages: household list and search, household and resident detail and forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.access import Cap
from fangkong.areas.models import Area
from fangkong.core.audit import client_ip
from fangkong.core.forms import submit
from fangkong.core.http import AuthedRequest
from fangkong.core.ordering import in_house_order
from fangkong.core.pagination import paginate
from fangkong.core.permissions import (
    capability_required,
    register_writer_required,
    scoped_login_required,
)
from fangkong.registry import services
from fangkong.registry.forms import HouseholdForm, MoveInForm, ResidentForm
from fangkong.registry.models import Household, Resident


@capability_required(Cap.REGISTER_READ)
def household_list(request: AuthedRequest) -> HttpResponse:
    households = Household.objects.for_user(request.user)
    area = None
    if area_id := request.GET.get("area", "").strip():
        if not area_id.isdigit():
            return HttpResponseBadRequest(_("Unknown area."))
        area = get_object_or_404(Area.objects.for_user(request.user), pk=area_id)
        households = households.in_area(area)
    # Searches are posted so that a full ID or phone number never lands in a URL, the browser
    # history or the access log; name searches may come as ?q= from the page links.
    query = (request.POST.get("q") or request.GET.get("q", "")).strip()[:100]
    households = households.search(query).select_related("area").with_member_count()
    page = paginate(request, in_house_order(households))  # 1组2号 before 1组10号
    context = {
        "page": page,
        "query": query,
        "area": area,
        "query_in_links": query if not any(ch.isdigit() for ch in query) else "",
    }
    template = "registry/household_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


@capability_required(Cap.REGISTER_READ)
def household_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(
        Household.objects.for_user(request.user)
        .select_related("area")
        .prefetch_related(Prefetch("residents", queryset=Resident.objects.order_by("pk"))),
        pk=pk,
    )
    return render(
        request,
        "registry/household_detail.html",
        {"household": household, "area_name": household.area.full_name()},
    )


@register_writer_required
def household_create(request: AuthedRequest) -> HttpResponse:
    form = HouseholdForm(request.POST or None, user=request.user)
    if (
        household := submit(
            request, form, lambda data: services.household_create(by=request.user, **data)
        )
    ) is not None:
        messages.success(request, _("Household added."))
        return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form})


@register_writer_required
def household_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(Household.objects.for_user(request.user), pk=pk)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if (
        submit(
            request,
            form,
            lambda data: services.household_update(by=request.user, household=household, **data),
        )
        is not None
    ):
        messages.success(request, _("Household saved."))
        return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "household": household})


@capability_required(Cap.REGISTER_READ)
def resident_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    resident = get_object_or_404(
        Resident.objects.for_user(request.user).select_related("household__area"),
        pk=pk,
    )
    # The latest observation case, if any (one query through the reverse relation, so the
    # register does not import the monitoring app built on it).
    case = (
        resident.observation_cases.filter(county_id=resident.county_id)  # type: ignore[attr-defined]
        .order_by("-opened_at", "-pk")
        .only("pk", "status", "category", "start_date", "planned_end", "ended_on")
        .first()
    )
    return render(request, "registry/resident_detail.html", {"resident": resident, "case": case})


@register_writer_required
def resident_create(request: AuthedRequest, household_pk: int) -> HttpResponse:
    household = get_object_or_404(
        Household.objects.for_user(request.user),
        pk=household_pk,
    )
    form = ResidentForm(request.POST or None)
    if (
        submit(
            request,
            form,
            lambda data: services.resident_create(by=request.user, household=household, **data),
        )
        is not None
    ):
        messages.success(request, _("Resident added."))
        return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/resident_form.html", {"form": form, "household": household})


@register_writer_required
def resident_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    resident = get_object_or_404(
        Resident.objects.for_user(request.user).select_related("household__area"),
        pk=pk,
    )
    form = ResidentForm(request.POST or None, instance=resident)
    if (
        submit(
            request,
            form,
            lambda data: services.resident_update(by=request.user, resident=resident, **data),
        )
        is not None
    ):
        messages.success(request, _("Resident saved."))
        return redirect("registry:resident_detail", pk=resident.pk)
    return render(
        request,
        "registry/resident_form.html",
        {"form": form, "household": resident.household, "resident": resident},
    )


@scoped_login_required
@require_POST
def reveal(request: AuthedRequest, kind: str, pk: int, field: str) -> HttpResponse:
    """Show one full ID or phone number: a deliberate action, written to the audit log."""
    if (kind, field) not in services.REVEALABLE:
        return HttpResponseBadRequest()
    obj: Household | Resident
    if kind == "household":
        obj = get_object_or_404(Household.objects.for_user(request.user), pk=pk)
    else:
        obj = get_object_or_404(Resident.objects.for_user(request.user), pk=pk)
    if not request.user.can_reveal:
        raise PermissionDenied
    value = services.value_reveal(by=request.user, obj=obj, field=field, ip=client_ip(request))
    return render(request, "registry/_revealed.html", {"value": value, "field": field})


@capability_required(Cap.REGISTER_MANAGE)
def household_move_in(request: AuthedRequest) -> HttpResponse:
    """A county administrator takes in a household that moved from another county."""
    form = MoveInForm(request.POST or None, user=request.user)

    def move(data: Mapping[str, Any]) -> Household:
        household = services.household_for_move(data["id_number"], into=data["area"])
        if household is None:
            raise ValidationError(
                {"id_number": _("No household of another county has a member with this number.")}
            )
        return services.household_move_county(
            by=request.user,
            household=household,
            area=data["area"],
            reason=data["reason"],
            ip=client_ip(request),
        )

    if moved := submit(request, form, move):
        messages.success(request, _("Household moved into %(area)s.") % {"area": moved.area.name})
        return redirect("registry:household_detail", pk=moved.pk)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "title": _("Take in a household from another county"),
            "subtitle": _(
                "The household moves with its residents, their cases, passes and errands; "
                "the move is written to the audit log of both counties."
            ),
            "submit_label": _("Move the household here"),
        },
    )
