"""Request plumbing for a server behind the county's reverse proxy."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable
from functools import cached_property

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


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
