from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from fangkong.accounts import services
from fangkong.accounts.today import sections_for
from fangkong.core.clock import today_local
from fangkong.core.http import AuthedRequest


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
    """The start page of each role is its today page: what to do now, each item a link.
    A superuser or province administrator without an area starts on the counties page."""
    user = request.user
    if user.area is None:
        if user.can_create_counties:
            return redirect("accounts:county_list")
        raise PermissionDenied
    return render(
        request,
        "accounts/home.html",
        {"area": user.area, "day": today_local(), "sections": sections_for(user)},
    )


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    from fangkong.accounts.models import ApiToken

    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")[:20]
    from django.utils import timezone

    return render(request, "accounts/profile.html", {"tokens": tokens, "now": timezone.now()})
