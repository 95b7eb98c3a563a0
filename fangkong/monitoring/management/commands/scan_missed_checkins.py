"""``fangkong scan_missed_checkins``: raise an alert for every slot that closed with no check-in.

Run it from cron every hour or so; the pages call the same function when they are opened. Safe to
repeat (one alert per case, date and slot)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fangkong.areas.models import Area
from fangkong.monitoring.services import alerts_scan_missed


class Command(BaseCommand):
    help = "Raise missed-check-in alerts for slots that closed with no temperature."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="how many days back (default 7)")

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for county in Area.objects.filter(parent__isnull=True):
            total += alerts_scan_missed(area=county, days=options["days"])
        self.stdout.write(f"missed check-ins: {total} new alert(s)")
