"""After a password reset, the one-time password is changed before anything else is done."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/i18n/", "/static/")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            message = _("Choose your own password first: the one you were given works only once.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=403)
            messages.info(request, message)
            return redirect(reverse("accounts:password_change"))
        return self.get_response(request)
