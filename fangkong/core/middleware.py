"""Request plumbing for a server behind the county's reverse proxy."""

from __future__ import annotations

import contextlib
import ipaddress
import json
from collections.abc import Callable
from functools import cached_property

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class RealClientAddressMiddleware:
    """``REMOTE_ADDR`` becomes the real client's address when the request came through one of the
    ``FANGKONG_TRUSTED_PROXIES``: the right-most address in ``X-Forwarded-For`` that is not itself
    a trusted proxy. From any other peer the header is ignored (a client cannot choose its own
    address), so the audit log, the login throttle and the public pages' rate limits all key on
    the person, not on the proxy that every request shares."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [
            ipaddress.ip_network(p, strict=False)
            for p in getattr(settings, "FANGKONG_TRUSTED_PROXIES", [])
        ]

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.networks and self.trusted(request.META.get("REMOTE_ADDR", "")):
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            for hop in reversed(hops):
                if not self.trusted(hop):
                    # garbage in the header: keep the proxy's address
                    with contextlib.suppress(ValueError):
                        request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(hop))
                    break
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages are built from personal records: no browser or proxy keeps a copy
    (``Cache-Control: no-store``), unless a view chose its own caching. Static files are served
    by WhiteNoise before this and keep their long cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class RefuseNulMiddleware:
    """A NUL character in any text a request brings (the path, the query string, a form's fields,
    a JSON body) is refused with a clear 400 before any view sees it: PostgreSQL cannot store
    it in a text column and would answer 500. File uploads are the importers' (a NUL in a sheet
    is a row error there)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return _nul_refused(request)
        return self.get_response(request)


def _contains_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if _contains_nul(dict(request.GET.lists())):
        return True
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        return _contains_nul(dict(request.POST.lists()))
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body or b"null"
        if b"\x00" not in body and b"\\u0000" not in body:
            # JSON holds a NUL only as the escape \u0000 (or, broken, as the byte): with neither
            # there is none, and the body is not parsed twice (issue 19: every API write)
            return False
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return False  # the API answers a broken body with its own 400
        return _contains_nul(data)
    return False


def _nul_refused(request: HttpRequest) -> HttpResponse:
    message = _(
        "The request contains a NUL character (\\x00), which no text field may hold: remove it "
        "and send again."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return render(
        request, "core/refused.html", {"title": _("Not accepted"), "message": message}, status=400
    )
