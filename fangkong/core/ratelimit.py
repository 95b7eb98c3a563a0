"""One rate limiter for the public pages (self-report links, checkpoint posters): a counter per
key in the cache, over a fixed window.

A public page has two budgets: one per client address and one for the page itself (the poster,
the personal link). The address is counted first and only a request that its address still lets
through is counted against the page, so one source that posts junk spends its own budget and not
the one everybody else shares. The address is the real client's (``RealClientAddressMiddleware``
reads it from the trusted proxies' header); an IPv6 client is counted by its /64, which one
phone or one home usually holds whole.
"""

from __future__ import annotations

import ipaddress

from django.core.cache import cache


def rate_limited(key: str, *, limit: int, window: int) -> bool:
    """Count one hit on ``key``; True once more than ``limit`` hits fell in ``window`` seconds."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > limit


def client_key(address: str | None) -> str:
    """The part of a client address that is one source: the address itself, an IPv6 /64."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"
    return str(ip)


def public_rate_limited(
    *,
    scope: str,
    page: str,
    address: str | None,
    per_address: int,
    per_page: int,
    window: int,
) -> bool:
    """Count one post to a public ``page`` (``scope`` names the kind: ``selfregister``…) from
    ``address``. True when the address has spent its budget (then the page's is not touched) or
    when the page has spent its own."""
    if rate_limited(f"{scope}:ip:{client_key(address)}", limit=per_address, window=window):
        return True
    return rate_limited(f"{scope}:page:{page}", limit=per_page, window=window)
