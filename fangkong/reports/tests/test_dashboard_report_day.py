"""The dashboard's live cards count a report day (the county's cut-off, 16:00, the day before to
16:00 of the day), by the daily report's rules: on unchanged records a card does not move when
the clock passes the cut-off, it equals the figure and the records list it opens, and the page
says which report day it counts and as of when. A case opened on the day after the cut-off is
in the next report day (as its "new today" is), on the cards as in the report."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from fangkong.monitoring import services as monitoring
from fangkong.monitoring.models import ObservationCase, under_observation_on
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.reports import live, rollup
from fangkong.reports.figures import FIGURES

DAY = dt.date(2026, 11, 20)


def _card(client, area, day: dt.date):
    page = client.get(reverse("reports:dashboard", args=[area.pk]), {"date": day.isoformat()})
    assert page.status_code == 200
    return page.context["live"], page.content.decode()


def _records_total(client, key: str, area, day: dt.date) -> int:
    url = reverse("reports:figure_records", args=[key, area.pk])
    page = client.get(url, {"date": day.isoformat()})
    assert page.status_code == 200
    return page.context["total"]


def test_the_live_cards_count_the_report_day_across_its_cutoff(client, tree, users, clock):
    by, county, grid = users["county_admin"], tree["county"], tree["qianjin_g1"]
    clock.set(local(DAY - dt.timedelta(days=14), 9))
    released = open_case(by=by, area=grid, start=DAY - dt.timedelta(days=14))
    clock.set(local(DAY - dt.timedelta(days=3), 10))
    open_case(by=by, area=grid, start=DAY - dt.timedelta(days=3))
    clock.set(local(DAY, 10))
    open_case(by=by, area=grid, start=DAY)
    client.force_login(by)

    # Before the cut-off: the report day in progress, as of now.
    clock.set(local(DAY, 15, 59))
    table, text = _card(client, county, DAY)
    assert table.total.monitored_now == 3 and table.total.released_total == 0
    assert table.window == (local(DAY - dt.timedelta(days=1), 16), local(DAY, 16))
    assert not table.closed and table.counted_at == local(DAY, 15, 59)
    assert "报告日：11月20日（11月19日 16:00 至 11月20日 16:00）" in text
    assert "截至 11月20日 15:59" in text

    # The clock passes the cut-off, the records do not change: nor do the cards; the page
    # now says the report day is over and links to the next one.
    clock.set(local(DAY, 16, 1))
    table, text = _card(client, county, DAY)
    assert table.total.monitored_now == 3 and table.closed
    assert table.counted_at == local(DAY, 16)
    assert "截至报告日结束 11月20日 16:00" in text
    assert f"?date={(DAY + dt.timedelta(days=1)).isoformat()}" in text
    data = client.get(reverse("report-live"), {"area": county.pk, "date": DAY.isoformat()}).json()
    assert data["total"]["monitored_now"] == 3
    assert data["report_day_end"] == data["counted_at"] == "2026-11-20T16:00:00+08:00"

    # After the cut-off, a case opened on the day (the next report day's, as its "new today"
    # is) and a release recorded on the day (counted released in the next report day; no
    # longer under observation on its day): on the cards as in the report and its lists.
    clock.set(local(DAY, 16, 30))
    evening = open_case(by=by, area=grid, start=DAY)
    clock.set(local(DAY, 17))
    monitoring.case_release(by=by, case=released, on=DAY)
    # (By the calendar alone, without the cut-off, both would count on the day already.)
    assert ObservationCase.objects.filter(under_observation_on(DAY)).count() == 3
    table, _text = _card(client, county, DAY)
    whole = rollup.rollup(county, DAY).live
    for key, count in [("monitored_now", 2), ("released_total", 0), ("new_today", 1)]:
        card = table.total.counts[live.FIGURE_COUNTS.get(key, key)]
        assert card == count, key
        assert card == FIGURES[key].value(county, DAY) == whole[key], key
        assert card == _records_total(client, key, county, DAY), key
    assert (
        reverse("reports:figure_records", args=["monitored_now", county.pk])
        + f"?date={DAY.isoformat()}"
        in _text
    )
    # The next report day has them.
    tomorrow = DAY + dt.timedelta(days=1)
    table, _text = _card(client, county, tomorrow)
    assert table.total.monitored_now == 3 and table.total.released_total == 1
    assert table.total.new_today == 1 == _records_total(client, "new_today", county, tomorrow)
    assert evening.pk in {
        case.pk for case in ObservationCase.objects.filter(under_observation_on(tomorrow))
    }
