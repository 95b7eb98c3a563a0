"""One rate limiter for the public pages (self-report links, checkpoint posters): a counter per
key in the cache, over a fixed window."""

from __future__ import annotations

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
