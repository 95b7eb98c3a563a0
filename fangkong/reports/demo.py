"""Daily reports of 火车站乡 for the demo: the week before today, every village but one on time,
新桥村 late, 东风村 missing yesterday, so the township page has completeness, timeliness and trends
to show. Today's reports are left to the users: submitted at load time they would freeze the
figures before the day's work (issue 15).

Submitted through ``report_submit`` (figures frozen from the demo records). Idempotent: a report
already there for a village and date is left as it is.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.core.clock import local_tz
from fangkong.registry import demo as registry_demo
from fangkong.reports.models import DailyReport
from fangkong.reports.services import deadline_of, report_submit

DAYS = 7
LATE = "新桥村"
MISSING = "东风村"  # missing yesterday only: it reported on the days before


def _submitters() -> dict[str, str]:
    """Village name → the username of its demo cadre."""
    by_code = {u.area_code: u.username for u in registry_demo.DEMO_USERS if u.phone}
    return {name: by_code[code] for name, code, _n, _g in registry_demo.VILLAGES if code in by_code}


def build_reports(areas: dict[str, Area], *, now: dt.datetime | None = None) -> int:
    """Submit the demo reports; returns how many were added."""
    now = now or timezone.now()
    today = timezone.localdate(now, local_tz())
    township = areas[registry_demo.TOWNSHIP[1]]
    villages = [areas[code] for _name, code, _households, _grids in registry_demo.VILLAGES]
    submitters = _submitters()
    users = User.objects.in_bulk(["township_officer", *submitters.values()], field_name="username")
    if "township_officer" not in users:
        return 0
    start = today - dt.timedelta(days=DAYS)
    yesterday = today - dt.timedelta(days=1)
    existing = set(
        DailyReport.objects.in_area(township)
        .filter(date__gte=start, date__lte=yesterday)
        .values_list("area_id", "date")
    )
    added = 0
    for offset in range(DAYS):
        day = start + dt.timedelta(days=offset)
        deadline = deadline_of(township, day)
        for village in villages:
            if (village.pk, day) in existing or (day == yesterday and village.name == MISSING):
                continue
            if village.name == LATE:
                at = deadline + dt.timedelta(minutes=25)
            else:
                at = min(now, deadline - dt.timedelta(minutes=50 + 7 * (village.pk % 9)))
            by = users.get(submitters.get(village.name, ""), users["township_officer"])
            report_submit(by=by, area=village, day=day, at=at, remarks="")
            added += 1
    return added
