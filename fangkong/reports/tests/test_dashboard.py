"""The command dashboard: live cards and a table per child area, drill-down to the grids."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.areas.models import Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.monitoring.models import Mode
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.reports import live, services

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def cases(tree, users, clock):
    by = users["township"]

    def on(day, **kwargs):  # recorded on the day it starts ("new" is by the report day)
        clock.set(local(day, 10))
        return open_case(by=by, start=day, **kwargs)

    cases = [
        on(DAY, area=tree["qianjin_g1"]),
        on(DAY - dt.timedelta(days=3), area=tree["qianjin_g1"]),
        on(DAY, area=tree["qianjin_g2"], mode=Mode.CENTRALISED),
        on(DAY - dt.timedelta(days=2), area=tree["baiyun_g1"]),
    ]
    clock.set(local(DAY, 10))
    return cases


def test_township_rows_are_villages_and_sum_to_the_total(tree, cases, users):
    services.report_submit(by=users["cadre"], area=tree["qianjin"], day=DAY, at=local(DAY, 17))
    table = live.live_table(tree["township"], DAY)
    rows = {row.area.name: row for row in table.rows}
    assert set(rows) == {"前进村", "白云村"}
    assert rows["前进村"].monitored_now == 3
    assert rows["前进村"].at_home == 2 and rows["前进村"].centralised == 1
    assert rows["前进村"].new_today == 2
    assert rows["白云村"].monitored_now == 1 and rows["白云村"].new_today == 0
    assert table.total.monitored_now == 4 and table.total.households == 4
    assert rows["前进村"].submitted == 1 and rows["前进村"].late == 1
    assert rows["白云村"].villages == 1 and rows["白云村"].submitted == 0
    assert table.total.completeness == 50.0
    assert all(row.drills for row in table.rows)


def test_a_village_drills_down_to_its_grids(tree, cases):
    table = live.live_table(tree["qianjin"], DAY)
    rows = {row.area.pk: row for row in table.rows}
    assert rows[tree["qianjin_g1"].pk].monitored_now == 2
    assert rows[tree["qianjin_g2"].pk].centralised == 1
    assert not any(row.drills for row in table.rows)  # a grid is the bottom
    assert table.total.villages == 1


def _more_villages(tree, users, count: int, *, submit: bool = False) -> None:
    """``count`` new villages of the township, each with a case opened on DAY (and its report
    for DAY submitted when ``submit``): what a query count must not grow with."""
    for n in range(count):
        village = AreaFactory(
            name=f"新村{n}",
            level=Level.VILLAGE,
            code=f"4305020052{n + 10}",
            parent=tree["township"],
        )
        open_case(by=users["township"], area=village, start=DAY)
        if submit:
            services.report_submit(by=users["township"], area=village, day=DAY, at=local(DAY, 15))


def test_live_table_queries_do_not_grow_with_children(tree, cases, users):
    with CaptureQueriesContext(connection) as few:
        live.live_table(tree["township"], DAY)
    _more_villages(tree, users, 6)
    with CaptureQueriesContext(connection) as many:
        table = live.live_table(tree["township"], DAY)
    assert len(table.rows) == 8 and table.total.monitored_now == 10
    assert len(many.captured_queries) == len(few.captured_queries) <= 8


def test_dashboard_page_links_down_and_refreshes_its_live_part(client, tree, users, cases):
    client.force_login(users["township"])
    url = reverse("reports:dashboard", args=[tree["township"].pk])
    page = client.get(url, {"date": DAY.isoformat()})
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("reports:dashboard", args=[tree["qianjin"].pk]) in text
    assert 'hx-trigger="every 120s"' in text and "data-print" in text
    fragment = client.get(
        url, {"date": DAY.isoformat(), "part": "live"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content and b'id="live"' in fragment.content
    assert b"echarts" not in fragment.content


def test_a_grid_worker_sees_the_dashboard_of_his_grid_only(client, tree, users, cases):
    client.force_login(users["grid_worker"])
    own = client.get(reverse("reports:dashboard", args=[tree["qianjin_g1"].pk]))
    assert own.status_code == 200 and own.context["live"].total.monitored_now == 2
    for other in ("qianjin_g2", "qianjin", "baiyun_g1"):
        assert client.get(reverse("reports:dashboard", args=[tree[other].pk])).status_code == 404


def test_a_stranger_cannot_drill_into_another_village(client, tree, users, cases):
    client.force_login(users["stranger"])
    for name in ("qianjin", "qianjin_g1", "township"):
        response = client.get(reverse("reports:dashboard", args=[tree[name].pk]), {"part": "live"})
        assert response.status_code == 404


def test_live_api_gives_the_children_and_refuses_other_areas(client, tree, users, cases):
    url = reverse("report-live")
    client.force_login(users["township"])
    data = client.get(url, {"date": DAY.isoformat()}).json()
    assert data["total"]["monitored_now"] == 4
    assert {row["name"]: row["monitored_now"] for row in data["children"]} == {
        "前进村": 3,
        "白云村": 1,
    }
    grids = client.get(url, {"area": tree["qianjin"].pk, "date": DAY.isoformat()}).json()
    assert [row["level"] for row in grids["children"]] == ["grid", "grid"]
    client.force_login(users["stranger"])
    refused = client.get(url, {"area": tree["qianjin"].pk})
    assert refused.status_code == 400 and "area" in refused.json()
    client.logout()
    assert client.get(url).status_code in (401, 403)


def test_screened_counts_each_household_once_and_only_when_someone_was_found(
    tree, users, cases, clock
):
    from fangkong.screening.tests.factories import RoundFactory, record_visit

    clock.set(local(DAY + dt.timedelta(days=2), 10))
    screening = RoundFactory(area=tree["township"], created_by=users["township"], started_on=DAY)
    first, second, third, _fourth = (case.resident.household for case in cases)
    person = {"name": "张三", "at_home": True}
    record_visit(screening, first, by=users["township"], people=[person])
    record_visit(screening, first, by=users["township"], people=[person])  # a revisit
    record_visit(screening, second, by=users["township"])  # nobody home: not screened
    record_visit(
        screening, third, by=users["township"], people=[person], visited_on=DAY + dt.timedelta(1)
    )  # after the day shown
    rows = {row.area.name: row for row in live.live_table(tree["township"], DAY).rows}
    assert rows["前进村"].screened == 1 and rows["前进村"].households == 3
    assert rows["前进村"].coverage == 33.3
    assert rows["白云村"].screened == 0


def test_drill_down_to_a_grid_with_its_own_figures_and_charts(client, tree, cases, users):
    """Every row links down, to the grid; a grid's chart is computed from its records (there are
    no reports below a village) and says so; a township's chart is from the reports and a day
    without a report is a gap, not a 0."""
    client.force_login(users["township"])
    village = client.get(reverse("reports:dashboard", args=[tree["qianjin"].pk]))
    grid_url = reverse("reports:dashboard", args=[tree["qianjin_g1"].pk])
    assert grid_url.encode() in village.content
    assert village.context["chart_data"]["bars"]["source"] == "live"
    assert village.context["chart_data"]["bars"]["values"] == [2, 1]  # grids 01 and 02
    grid = client.get(grid_url + "?figure=monitored_now&days=14")
    chart = grid.context["chart_data"]
    assert chart["source"] == "live" and chart["values"][-1] == 2
    assert chart["values"][-4] == 1  # the case started three days before
    township = client.get(reverse("reports:dashboard", args=[tree["township"].pk]))
    chart = township.context["chart_data"]
    assert chart["source"] == "reported"
    assert chart["values"] == [None] * 14  # nobody reported: gaps, not zeros
    assert b'data-source="reported"' in township.content


@pytest.mark.parametrize("level", ["township", "county"])
def test_dashboard_page_queries_are_few_and_do_not_grow(client, tree, users, cases, level):
    """The whole page (session and user included): 16 queries for a township, 17 for a county
    (its townships' sheets), however many villages. The chart's rows are the roll-up's rows
    without the roll-up page's cadres, reminders, deadlines and amendments (5 queries)."""
    client.force_login(users["county_admin"])
    url = reverse("reports:dashboard", args=[tree[level].pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"date": DAY.isoformat()}).status_code == 200
    _more_villages(tree, users, 4, submit=True)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, {"date": DAY.isoformat()})
    assert page.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(few.captured_queries) == {"township": 16, "county": 17}[level]
