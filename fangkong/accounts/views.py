from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from fangkong.accounts.today import sections_for
from fangkong.core.clock import today_local
from fangkong.core.http import AuthedRequest
from fangkong.core.permissions import scoped_login_required


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@scoped_login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The start page of each role is its today page: what to do now, each item a link."""
    user = request.user
    return render(
        request,
        "accounts/home.html",
        {"area": user.area, "day": today_local(), "sections": sections_for(user)},
    )


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    return render(request, "accounts/profile.html")
