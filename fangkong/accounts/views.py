from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render

from fangkong.areas.models import Area
from fangkong.core.http import AuthedRequest
from fangkong.core.permissions import scoped_login_required
from fangkong.registry.models import Household, Resident


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@scoped_login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The start page of each role: the figures of the user's own area and where to go next."""
    user = request.user
    area = user.area
    assert area is not None  # scoped_login_required
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
