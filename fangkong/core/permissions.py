"""Page-level guards. Object scope is never checked here: views fetch through ``for_user``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

View = Callable[..., HttpResponseBase]


def scoped_login_required(view: View) -> View:
    """Logged in and bound to an area (a user with no area sees nothing and may do nothing)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "area_id", None) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def register_writer_required(view: View) -> View:
    """Writes to the register: 403 for read-only roles, also on GET of a form page."""

    @scoped_login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.can_write_register:  # type: ignore[union-attr]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def county_admin_required(view: View) -> View:
    @scoped_login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_county_admin:  # type: ignore[union-attr]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def capability_required(capability: Any) -> Callable[[View], View]:
    """The pages of a capability of the access table (``accounts.access``): 403 for every role
    the table does not grant it, the read-only viewer included, also on GET of a form page."""

    def decorator(view: View) -> View:
        @scoped_login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.may(capability):  # type: ignore[union-attr]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
