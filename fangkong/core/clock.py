"""The local clock: fangkong's days and report slots are Asia/Shanghai days (``TIME_ZONE``),
whatever zone the server runs in. Datetimes are stored in UTC and shown in this zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def today_local() -> dt.date:
    return timezone.localdate(timezone.now(), local_tz())
