"""zh-hans formats with ISO first: a form renders its date and time values with the first input
format, and ``<input type=date>`` accepts only 2026-11-30 (Django's zh_Hans puts 2026/11/30
first, which the browser rejects, so every date field with a default showed blank)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403
from django.conf.locale.zh_Hans.formats import DATE_INPUT_FORMATS as _DATES
from django.conf.locale.zh_Hans.formats import DATETIME_INPUT_FORMATS as _DATETIMES

DATE_INPUT_FORMATS = ["%Y-%m-%d", *(f for f in _DATES if f != "%Y-%m-%d")]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    *(f for f in _DATETIMES if f not in {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"}),
]
