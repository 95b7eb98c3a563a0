"""Per-process caches of what every write reads and almost never changes (issue 19).

A check-in, a passage or a visit used to read, on every request, the county's points scheme, the
user's worker record and the risk areas. They change a few times a season. Each is now kept in
the process that serves the request:

- a change made in this process (a save or a delete through the ORM, which is how every page,
  service and the admin write them) empties the cache at once (``post_save``/``post_delete``
  receivers, connected where each cache is defined);
- another process (the other gunicorn workers) sees the change within ``SECONDS`` at most,
  when its copy expires.

Only small, non-personal values are kept (ids, numbers, the risk areas' names and codes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

SECONDS = 5.0


_ALL: list[ProcessCache[Any]] = []


def clear_all(*, seconds: float | None = None) -> None:
    """Empty every process cache (the tests do, before each test: a rolled-back transaction sends
    no signal, and the next test reuses the same ids); ``seconds`` sets how long each keeps a
    value from now on (the tests keep them for the whole test, so that a slow machine does not
    change what a test counts)."""
    for cache in _ALL:
        cache.clear()
        if seconds is not None:
            cache.seconds = seconds


class ProcessCache[V]:
    """A dict of values loaded on demand, each kept ``seconds``; ``clear`` empties it."""

    def __init__(self, seconds: float = SECONDS) -> None:
        self.seconds = seconds
        self._values: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        now = time.monotonic()
        found = self._values.get(key)
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        value = load()
        with self._lock:
            self._values[key] = (now, value)
        return value

    def clear(self, *args: Any, **kwargs: Any) -> None:
        """Empty the cache (usable as a signal receiver)."""
        with self._lock:
            self._values.clear()
