"""The daily report: submit freezes the figures, amendments keep every version, roll-ups show
completeness, timeliness and the missing villages, exports are audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.reports import figures, rollup, services
from fangkong.reports.models import DailyReport, ReportDeadline, ReportVersion

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def now(clock):
    return clock.set(local(DAY, 15))


def _submit(user, area, *, at=None, day=DAY, remarks=""):
    return services.report_submit(
        by=user, area=area, day=day, remarks=remarks, at=at or local(day, 15)
    )


# --- the figure registry -----------------------------------------------------------------------


def test_every_figure_of_the_standard_form_is_registered_with_label_and_unit():
    assert figures.VILLAGE_DAILY.figure_keys[0] == "households"
    for figure in figures.VILLAGE_DAILY.figures:
        assert figure.key in figures.FIGURES
        assert str(figure.label) and str(figure.unit)
    with pytest.raises(ValueError):
        figures.register(figures.FIGURES["at_home"])


def test_figures_come_from_the_records(tree, users, clock):
    clock.set(local(DAY - dt.timedelta(days=2), 10))
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY - dt.timedelta(days=2))
    clock.set(local(DAY, 10))
    open_case(by=users["cadre"], area=tree["qianjin_g2"], start=DAY)
    assert figures.FIGURES["monitored_now"].value(tree["qianjin"], DAY) == 2
    assert figures.FIGURES["new_today"].value(tree["qianjin"], DAY) == 1
    assert figures.FIGURES["at_home"].value(tree["township"], DAY) == 2
    assert figures.FIGURES["monitored_now"].value(tree["baiyun"], DAY) == 0
    values = figures.compute(tree["qianjin"], DAY)
    assert values["checkins_due"] == 4 and not figures.is_zero(values)
    assert figures.is_zero(figures.compute(tree["baiyun"], DAY))


def test_combine_sums_and_recomputes_percentages():
    total = figures.combine(
        [
            {"households": 10, "households_screened": 5, "screening_coverage": 50.0},
            {"households": 30, "households_screened": 30, "screening_coverage": 100.0},
        ]
    )
    assert total["households"] == 40 and total["households_screened"] == 35
    assert total["screening_coverage"] == 87.5


# --- submit and amend --------------------------------------------------------------------------


def test_submit_freezes_the_figures_and_later_records_do_not_change_them(tree, users):
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY - dt.timedelta(days=1))
    report = _submit(users["cadre"], tree["qianjin"], remarks="一切正常")
    assert report.figures["monitored_now"] == 1 and report.version == 1
    assert report.county_id == tree["county"].pk and not report.late and not report.is_zero
    open_case(by=users["cadre"], area=tree["qianjin_g2"], start=DAY - dt.timedelta(days=1))
    report.refresh_from_db()
    assert report.figures["monitored_now"] == 1
    assert figures.compute(tree["qianjin"], DAY)["monitored_now"] == 2
    version = report.versions.get()
    assert (
        version.number == 1 and version.remarks == "一切正常" and version.figures == report.figures
    )
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="dailyreport").exists()


def test_one_submission_per_village_per_date(tree, users):
    _submit(users["cadre"], tree["qianjin"])
    with pytest.raises(ValidationError, match="amend|更正"):
        _submit(users["cadre"], tree["qianjin"])
    assert DailyReport.objects.count() == 1 and ReportVersion.objects.count() == 1


def test_amendment_keeps_both_versions_and_the_rollup_uses_the_latest(tree, users):
    report = _submit(users["cadre"], tree["qianjin"])
    assert report.is_zero
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.report_amend(by=users["cadre"], report=report, reason="  ")
    amended = services.report_amend(
        by=users["cadre"], report=report, reason="漏报一人", at=local(DAY, 16, 50)
    )
    assert amended.version == 2 and amended.figures["monitored_now"] == 1
    assert not amended.is_zero and not amended.late  # timeliness is the first submission's
    first, second = report.versions.order_by("number")
    assert first.figures["monitored_now"] == 0 and second.figures["monitored_now"] == 1
    assert second.reason == "漏报一人"
    result = rollup.rollup(tree["township"], DAY)
    assert result.reported["monitored_now"] == 1
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="dailyreport").exists()


def test_late_flag_against_the_county_deadline(tree, users):
    ReportDeadline.objects.create(county=tree["county"], deadline=dt.time(12, 0))
    late = _submit(users["cadre"], tree["qianjin"], at=local(DAY, 12, 1))
    on_time = _submit(users["township"], tree["baiyun"], at=local(DAY, 11, 59))
    assert late.late and not on_time.late
    # The default is 16:00 (Asia/Shanghai) for a county without a setting.
    ReportDeadline.objects.all().delete()
    assert services.deadline_of(tree["qianjin"], DAY) == local(DAY, 16)


def test_zero_report(tree, users):
    report = _submit(users["stranger"], tree["baiyun"])
    assert report.is_zero and report.versions.get().is_zero


def test_who_may_submit(tree, users):
    for name in ("viewer", "grid_worker", "doctor"):
        with pytest.raises(PermissionDenied):
            _submit(users[name], tree["qianjin"])
    with pytest.raises(PermissionDenied):  # another village's cadre
        _submit(users["stranger"], tree["qianjin"])
    with pytest.raises(ValidationError):  # only villages report
        _submit(users["township"], tree["township"])
    with pytest.raises(ValidationError):  # not for tomorrow
        _submit(users["cadre"], tree["qianjin"], day=DAY + dt.timedelta(days=1), at=local(DAY, 9))
    assert not DailyReport.objects.exists()


# --- roll-up ----------------------------------------------------------------------------------


def test_completeness_lists_the_missing_village_with_the_cadres_phone(tree, users):
    users["stranger"].phone = "15400001111"
    users["stranger"].save()
    _submit(users["cadre"], tree["qianjin"], at=local(DAY, 17))
    result = rollup.rollup(tree["township"], DAY)
    assert (result.expected, result.submitted, result.on_time) == (2, 1, 0)
    assert [v.area.name for v in result.late] == ["前进村"]
    assert [(v.area.name, v.phones) for v in result.missing] == [("白云村", ["15400001111"])]
    assert result.completeness == 50.0


def test_county_rollup_has_a_row_per_township(tree, users):
    _submit(users["cadre"], tree["qianjin"])
    result = rollup.rollup(tree["county"], DAY)
    assert [(r.area.name, r.own, r.expected, r.submitted, r.missing) for r in result.rows] == [
        ("火车站乡", False, 2, 1, 1),
        ("双清区", True, 0, 0, 0),  # the county's own row (县本级)
    ]


def test_rollup_runs_a_constant_number_of_queries(tree, users):
    _submit(users["cadre"], tree["qianjin"])
    with CaptureQueriesContext(connection) as few:
        rollup.rollup(tree["township"], DAY)
    for n in range(6):
        village = AreaFactory(
            name=f"新村{n}",
            level=Level.VILLAGE,
            code=f"4305020052{n + 10}",
            parent=tree["township"],
        )
        cadre = UserFactory(role=Role.VILLAGE_CADRE, area=village, phone="15400002222")
        if n % 2:
            _submit(cadre, village)
    with CaptureQueriesContext(connection) as many:
        result = rollup.rollup(tree["township"], DAY)
    assert result.expected == 8 and len(result.missing) == 4
    # Every figure of the township and of each village (for its own row) from the same grouped
    # queries: nothing grows with the villages.
    assert len(many.captured_queries) == len(few.captured_queries)


def test_county_rollup_runs_a_constant_number_of_queries(tree, users):
    """More townships, villages and records below a county: the same queries, and the county's
    own row (县本级) is still its figures less each township's, each computed alone."""
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY - dt.timedelta(days=2))
    _submit(users["cadre"], tree["qianjin"])
    with CaptureQueriesContext(connection) as few:
        rollup.rollup(tree["county"], DAY)
    for t in range(3):
        township = AreaFactory(
            name=f"新乡{t}", level=Level.TOWNSHIP, code=f"43050201{t}000", parent=tree["county"]
        )
        for v in range(2):
            village = AreaFactory(
                name=f"新乡{t}村{v}",
                level=Level.VILLAGE,
                code=f"43050201{t}2{v:02d}",
                parent=township,
            )
            open_case(by=users["county_admin"], area=village, start=DAY - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as many:
        result = rollup.rollup(tree["county"], DAY)
    assert len(result.townships) == 4
    assert len(many.captured_queries) == len(few.captured_queries)
    whole = figures.compute(tree["county"], DAY)
    parts = [figures.compute(row.area, DAY) for row in result.townships]
    assert result.own is not None
    assert result.own.figures == figures.own_part(whole, parts)
    assert result.live == whole and whole["monitored_now"] == 7


def test_trend_from_the_snapshots(tree, users):
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY - dt.timedelta(days=5))
    for back in range(3):
        day = DAY - dt.timedelta(days=back)
        _submit(users["cadre"], tree["qianjin"], day=day, at=local(day, 15))
    points = rollup.trend(tree["township"], figures.FIGURES["monitored_now"], DAY, 14)
    assert len(points) == 14 and points[-1].date == DAY
    assert [p.value for p in points[-3:]] == [1, 1, 1] and points[0].submitted == 0


# --- pages -------------------------------------------------------------------------------------


def test_village_cadre_submits_today_from_the_page(client, tree, users, now):
    client.force_login(users["cadre"])
    assert client.get(reverse("reports:index")).url == reverse(
        "reports:village_report", args=[tree["qianjin"].pk]
    )
    url = reverse("reports:village_report", args=[tree["qianjin"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "零报告".encode() in page.content or b"Zero report" in page.content
    response = client.post(url, {"remarks": "无异常"})
    assert response.status_code == 302
    report = DailyReport.objects.get()
    assert report.date == DAY and report.remarks == "无异常" and report.is_zero
    # Submitting again says it was already submitted and points to the amendment (issue 15).
    again = client.post(url, {"remarks": "again"}, follow=True)
    assert again.redirect_chain[-1][0].startswith(url)
    text = again.content.decode()
    assert "已经提交" in text and "更正" in text, text
    assert DailyReport.objects.get().remarks == "无异常" and DailyReport.objects.get().version == 1
    amend = reverse("reports:village_amend", args=[tree["qianjin"].pk]) + f"?date={DAY}"
    assert client.get(amend).status_code == 200
    assert client.post(amend, {"remarks": "更正", "reason": ""}).status_code == 200  # reason!
    assert client.post(amend, {"remarks": "更正", "reason": "补充备注"}).status_code == 302
    assert DailyReport.objects.get().version == 2


def test_figures_link_to_exactly_the_records_behind_them(client, tree, users, now):
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY - dt.timedelta(days=2))
    open_case(by=users["cadre"], area=tree["qianjin_g2"], start=DAY)
    client.force_login(users["cadre"])
    page = client.get(reverse("reports:village_report", args=[tree["qianjin"].pk]))
    listed = reverse("reports:figure_records", args=["new_today", tree["qianjin"].pk])
    assert f"{listed}?date={DAY}".encode() in page.content
    response = client.get(listed, {"date": DAY.isoformat()})
    assert response.status_code == 200
    assert response.context["total"] == response.context["count"] == 2  # both recorded today
    # The township's list of the people under observation: both, from either grid.
    client.force_login(users["township"])
    url = reverse("reports:figure_records", args=["checkins_due", tree["township"].pk])
    response = client.get(url, {"date": DAY.isoformat()})
    assert (response.context["count"], response.context["total"]) == (2, 4)  # 2 a day each
    assert b'data-total="4"' in response.content
    # A percentage opens the records of its part; an unknown figure is 404.
    village = tree["qianjin"]
    coverage = figures.FIGURES["screening_coverage"].list_url(village, DAY)
    assert "/households_screened/" in coverage
    bad = reverse("reports:figure_records", args=["nonsense", village.pk])
    assert client.get(bad).status_code == 404


def test_figure_records_are_scoped(client, tree, users, now):
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY)
    url = reverse("reports:figure_records", args=["monitored_now", tree["qianjin"].pk])
    client.force_login(users["stranger"])
    assert client.get(url).status_code == 404
    client.force_login(users["grid_worker"])  # 前进村1网格: the village is above him
    assert client.get(url).status_code == 404
    grid = reverse("reports:figure_records", args=["monitored_now", tree["qianjin_g1"].pk])
    assert client.get(grid).context["count"] == 1
    client.logout()
    assert client.get(url).status_code == 302


def test_stranger_gets_404_and_viewer_403_on_writes(client, tree, users, now):
    url = reverse("reports:village_report", args=[tree["qianjin"].pk])
    client.force_login(users["stranger"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"remarks": "x"}).status_code == 404
    assert client.get(reverse("reports:area_rollup", args=[tree["township"].pk])).status_code == 404
    client.force_login(users["viewer"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"remarks": "x"}).status_code == 403
    amend = reverse("reports:village_amend", args=[tree["qianjin"].pk])
    assert client.get(amend).status_code == 403
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize(
    "name", ["index", "village_report", "village_amend", "area_rollup", "area_export", "dashboard"]
)
def test_anonymous_is_sent_to_login(client, tree, name):
    kwargs = {} if name == "index" else {"pk": tree["qianjin"].pk}
    response = client.get(reverse(f"reports:{name}", kwargs=kwargs))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_township_page_shows_completeness_and_the_missing_village(client, tree, users, now):
    users["stranger"].phone = "15400001111"
    users["stranger"].save()
    _submit(users["cadre"], tree["qianjin"], at=local(DAY, 16, 30))
    client.force_login(users["township"])
    response = client.get(reverse("reports:area_rollup", args=[tree["township"].pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "白云村" in text and "15400001111" in text and "1/2" in text
    assert response.context["r"].late[0].area == tree["qianjin"]


def test_rollup_page_queries_do_not_grow_with_villages(
    client, tree, users, now, django_assert_max_num_queries
):
    client.force_login(users["township"])
    url = reverse("reports:area_rollup", args=[tree["township"].pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        village = AreaFactory(
            name=f"新村{n}",
            level=Level.VILLAGE,
            code=f"4305020052{n + 10}",
            parent=tree["township"],
        )
        _submit(users["township"], village)
    # The township's own row too: every village's figures from the same grouped queries.
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_dashboard_loads_echarts_and_the_htmx_panel(client, tree, users, now):
    _submit(users["cadre"], tree["qianjin"])
    client.force_login(users["township"])
    url = reverse("reports:dashboard", args=[tree["township"].pk])
    page = client.get(url + "?figure=households&days=30")
    assert page.status_code == 200 and b"echarts.min.js" in page.content
    assert len(page.context["points"]) == 30
    fragment = client.get(url + "?figure=at_home", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"<html" not in fragment.content
    # Other pages do not load ECharts.
    other = client.get(reverse("reports:area_rollup", args=[tree["township"].pk]))
    assert b"echarts" not in other.content


# --- export -------------------------------------------------------------------------------------


def test_export_xlsx_layout_and_audit(client, tree, users, now):
    _submit(users["cadre"], tree["qianjin"], at=local(DAY, 17), remarks="迟报说明")
    client.force_login(users["township"])
    url = reverse("reports:area_export", args=[tree["township"].pk]) + f"?date={DAY}"
    response = client.get(url + "&format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "火车站乡" in rows[0][0] and "2026-11-20" in rows[0][0]
    headers = rows[1]
    assert rows[2][0] == "前进村" and rows[3][0] == "白云村"
    assert rows[4][0] in {"火车站乡本级", "火车站乡 (township level)"}  # 乡镇本级
    assert rows[5][0] in {"合计", "Total"}
    status = headers.index(headers[1])
    assert rows[2][status] in {"迟报", "Late·Zero report", "迟报·零报告", "Late"}
    assert rows[3][status] in {"未报", "Missing"}
    assert "迟报说明" in rows[2]
    # The county's template: the 填报单位 / 填报人 / 审核人 / date lines under the table.
    lines = " ".join(str(c) for r in rows[6:] for c in r if c)
    assert "火车站乡" in lines and ("填报人" in lines or "Filled in by" in lines)
    assert "审核人" in lines or "Reviewed by" in lines
    # Page setup: A4 landscape, fit to the width, the header rows on every page.
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage  # one page wide (1 is the default)
    assert sheet.page_setup.fitToWidth in {None, 1} and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows.replace("$", "") == "1:2"
    disposition = response["Content-Disposition"]
    assert "filename*=utf-8''" in disposition and "%E6%97%A5%E6%8A%A5" in disposition  # 日报
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.rows == 3 and event.area == tree["township"] and event.username == "township"


def test_export_csv_for_a_county_has_a_row_per_township(client, tree, users, now):
    _submit(users["cadre"], tree["qianjin"])
    client.force_login(users["county_admin"])
    url = reverse("reports:area_export", args=[tree["county"].pk]) + f"?date={DAY}&format=csv"
    response = client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "双清区" in rows[0][0]
    assert rows[2][:5] == ["火车站乡", "2", "1", "0", "1"]
    assert rows[3][0] in {"双清区本级", "双清区 (county level)"}  # 县本级
    assert len(rows) == 6  # title, headers, one township, the county's own row, total, signature
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, rows=2).exists()


def test_a_date_out_of_range_falls_back_to_today(client, tree, users, now):
    client.force_login(users["township"])
    url = reverse("reports:dashboard", args=[tree["township"].pk])
    for bad in ("0001-01-01", "9999-12-31", "garbage"):
        response = client.get(url, {"date": bad})
        assert response.status_code == 200 and response.context["day"] == DAY
