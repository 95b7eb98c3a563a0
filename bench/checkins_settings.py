"""Settings for the write benchmarks only: production settings plus the baselines' URLs.

The product's URLs are untouched; ``checkins_urls`` adds ``/bench/bare/`` and ``/bench/limit/…``
in front of them. With ``FANGKONG_BENCH_PROFILE=<dir>`` every request runs under cProfile and
each worker process writes its figures to ``<dir>/<pid>.prof`` when it exits (``--profile``)."""

import os

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "checkins_urls"

if os.environ.get("FANGKONG_BENCH_PROFILE"):
    MIDDLEWARE = ["profiling.ProfileMiddleware", *MIDDLEWARE]  # noqa: F405
