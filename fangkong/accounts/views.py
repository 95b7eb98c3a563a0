from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render

from fangkong.accounts import services
from fangkong.areas.models import Area
from fangkong.core.http import AuthedRequest
from fangkong.registry.models import Household, Resident


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's password; after a reset this is the first page (the one-time password is
    replaced), and the change is audited."""

    template_name = "accounts/password_change.html"
    success_url = "/accounts/password/done/"

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        services.password_changed(user=form.user)
        return response


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The start page of each role: the figures of the user's own area and where to go next.
    A superuser or province administrator without an area starts on the counties page."""
    user = request.user
    area = user.area
    if area is None:
        if user.can_create_counties:
            return redirect("accounts:county_list")
        raise PermissionDenied
    households = Household.objects.for_user(user)
    residents = Resident.objects.for_user(user)
    figures = residents.aggregate(
        total=Count("pk"),
        vulnerable=Count(
            "pk",
            filter=Q(low_income=True)
            | Q(elderly_alone=True)
            | Q(chronic_illness=True)
            | Q(pregnant=True)
            | Q(disabled=True),
        ),
        away=Count("pk", filter=Q(residence_status="away")),
        incoming=Count("pk", filter=Q(residence_status="incoming")),
    )
    children = (
        Area.objects.children_of(area).order_by("code")
        if area.level != "grid"
        else Area.objects.none()
    )
    return render(
        request,
        "accounts/home.html",
        {
            "area": area,
            "household_count": households.count(),
            "figures": figures,
            "children": children,
        },
    )


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    from fangkong.accounts.models import ApiToken

    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")[:20]
    from django.utils import timezone

    return render(request, "accounts/profile.html", {"tokens": tokens, "now": timezone.now()})
