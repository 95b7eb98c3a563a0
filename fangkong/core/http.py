"""The request type our views receive: logged in (our ``User``) and parsed by django-htmx."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

if TYPE_CHECKING:
    from fangkong.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]  # narrowed by the login guards
    htmx: HtmxDetails


class AuthedAPIRequest(Request):
    """An API request past ``ScopedPermission``: the caller is our ``User``, bound to an area."""

    user: User  # type: ignore[assignment]  # narrowed by ScopedPermission
