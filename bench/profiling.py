"""cProfile around every request of a benchmark server (``--profile``): one profile per worker
process, written at exit to ``$FANGKONG_BENCH_PROFILE/<pid>.prof``. Benchmark only.

With ``FANGKONG_BENCH_PROFILE_TIMER=cpu`` the profile counts the process's CPU time instead of
the wall clock: requests are profiled one at a time, so it is the request's own Python and
driver work, without the waits for the database (which the wall-clock profile is full of)."""

from __future__ import annotations

import atexit
import cProfile
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse

_lock = threading.Lock()
_profile = (
    cProfile.Profile(time.process_time)
    if os.environ.get("FANGKONG_BENCH_PROFILE_TIMER") == "cpu"
    else cProfile.Profile()
)
_count = [0]


def _dump() -> None:
    _profile.dump_stats(Path(os.environ["FANGKONG_BENCH_PROFILE"]) / f"{os.getpid()}.prof")


atexit.register(_dump)


class ProfileMiddleware:
    """Profiles one request at a time (cProfile is not thread-safe): the figures are the
    per-request work, the throughput of a profiled run is not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        with _lock:
            _profile.enable()
            try:
                return self.get_response(request)
            finally:
                _profile.disable()
                _count[0] += 1
                if _count[0] % 200 == 0:  # gunicorn may end a worker without running atexit
                    _dump()
