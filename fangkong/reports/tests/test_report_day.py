"""The report day (截至下午4时): a report's "new today" and event figures cover the window since
the previous report ended, so a record made at any hour is counted in exactly one report."""

from __future__ import annotations

import datetime as dt

from fangkong.monitoring.tests.factories import local, open_case
from fangkong.reports import figures, services
from fangkong.reports.models import DailyReport, ReportDeadline

DAY = dt.date(2026, 11, 20)


def test_a_case_recorded_at_any_hour_of_two_days_is_new_in_exactly_one_report(tree, users, clock):
    """The village reports at 15:00 every day (before the 16:00 cut-off); a case is put under
    observation at every hour of two days. Each is new in exactly one report, and the reports'
    "new" figures add up to the cases."""
    village = tree["qianjin"]
    first = DAY - dt.timedelta(days=1)
    clock.set(local(first - dt.timedelta(days=1), 15))
    services.report_submit(by=users["cadre"], area=village, day=first - dt.timedelta(days=1))
    cases = []
    for hour in range(48):
        day = first + dt.timedelta(days=hour // 24)
        at = local(day, hour % 24, 30)
        clock.set(at)
        cases.append(open_case(by=users["cadre"], area=tree["qianjin_g1"], start=day))
        if hour % 24 == 15:  # the report after the 15:30 case: it is in the next one
            services.report_submit(by=users["cadre"], area=village, day=day)
    clock.set(local(DAY + dt.timedelta(days=1), 15))
    services.report_submit(by=users["cadre"], area=village, day=DAY + dt.timedelta(days=1))
    reports = list(DailyReport.objects.filter(area=village).order_by("date"))
    assert len(reports) == 4
    new = [r.figures["new_today"] for r in reports]
    assert sum(new) == 48
    # 15 cases before the first 15:00 report (00:30 … 14:30), then 24 per report day.
    assert new == [0, 15, 24, 9]
    for case in cases:
        holding = [r for r in reports if r.window_start <= case.opened_at < r.window_end]
        assert len(holding) == 1, case.opened_at
    # The windows follow each other without a gap.
    for before, after in zip(reports, reports[1:], strict=False):
        assert before.window_end == after.window_start


def test_the_county_sets_the_cutoff_and_a_late_report_stops_at_it(tree, users, clock):
    ReportDeadline.objects.create(county=tree["county"], cutoff=dt.time(12, 0))
    clock.set(local(DAY, 13))
    evening = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY)
    start, end = figures.report_day(tree["qianjin"], DAY)
    assert (start, end) == (local(DAY - dt.timedelta(days=1), 12), local(DAY, 12))
    clock.set(local(DAY, 20))
    report = services.report_submit(by=users["cadre"], area=tree["qianjin"], day=DAY)
    # Reported after the cut-off: the 13:00 case belongs to tomorrow's report.
    assert report.window_end == local(DAY, 12) and report.figures["new_today"] == 0
    tomorrow = figures.compute(tree["qianjin"], DAY + dt.timedelta(days=1))
    assert tomorrow["new_today"] == 1 and evening.opened_at < local(DAY + dt.timedelta(days=1), 12)
