"""The township's own report: it reviews its villages, sends its sheet upward (frozen, late
flag, amendments with a reason); the county sees the townships' sheets as the township sees the
villages' reports, and sends its own the same way. Amendments made after the level above took
its sheet are shown to that level with what changed, until it acknowledges them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fangkong.checkpoints.services import passage_register
from fangkong.checkpoints.tests.factories import make_checkpoint, person, staff_in
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.reports import figures, rollup, services
from fangkong.reports.models import ReportDeadline, SheetReport, SheetVersion

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def day(tree, users, clock):
    """A township checkpoint with 3 people through, one case in 前进村; both villages report."""
    clock.set(local(DAY, 9))
    checkpoint = make_checkpoint(tree["township"], name="乡卡口")
    staff = staff_in(tree["township"])
    for _ in range(3):
        passage_register(
            by=staff, checkpoint=checkpoint, details=person(), outcome="allowed", at=local(DAY, 9)
        )
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY - dt.timedelta(days=1))
    # The villages report at 16:05, and the clock says so too: a report freezes what had
    # happened by then (the morning temperature slot, closed at 12:00, is missed by then).
    clock.set(local(DAY, 16, 5))
    for village in ("qianjin", "baiyun"):
        services.report_submit(
            by=users["township"], area=tree[village], day=DAY, at=local(DAY, 16, 5)
        )
    return tree


def test_the_township_sends_its_sheet_frozen_with_its_own_row(day, users, clock):
    tree = day
    clock.set(local(DAY, 17, 30))
    sheet = services.sheet_submit(by=users["township"], area=tree["township"], day=DAY)
    assert sheet.late  # after the townships' 17:00 deadline
    assert sheet.figures["passages_people"] == 3 and sheet.figures["monitored_now"] == 1
    names = [(row["name"], row["status"]) for row in sheet.rows]
    assert [n for n, _s in names][:2] == ["前进村", "白云村"] and names[2][1] == "own"
    assert sheet.rows[2]["figures"]["passages_people"] == 3
    assert sheet.versions.get().number == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="sheetreport").exists()
    # Frozen: later records do not change it.
    open_case(by=users["cadre"], area=tree["qianjin_g2"], start=DAY)
    sheet.refresh_from_db()
    assert sheet.figures["monitored_now"] == 1
    with pytest.raises(ValidationError):
        services.sheet_submit(by=users["township"], area=tree["township"], day=DAY)
    with pytest.raises(ValidationError):
        services.sheet_amend(by=users["township"], sheet=sheet, reason=" ")
    amended = services.sheet_amend(by=users["township"], sheet=sheet, reason="补报一人")
    assert amended.version == 2 and SheetVersion.objects.filter(sheet=sheet).count() == 2


def test_who_may_send_a_sheet(day, users):
    tree = day
    for name in ("cadre", "viewer", "grid_worker", "stranger"):
        with pytest.raises(PermissionDenied):
            services.sheet_submit(by=users[name], area=tree["township"], day=DAY)
    with pytest.raises(PermissionDenied):  # the county's sheet is the county's
        services.sheet_submit(by=users["township"], area=tree["county"], day=DAY)
    with pytest.raises(ValidationError):  # villages send reports, not sheets
        services.sheet_submit(by=users["township"], area=tree["qianjin"], day=DAY)
    assert not SheetReport.objects.exists()


def test_the_county_sees_the_townships_sheets_and_its_total_is_the_truth(day, users, clock):
    tree = day
    county = tree["county"]
    before = rollup.rollup(county, DAY)
    township_row = before.townships[0]
    assert township_row.sheet_status == "missing" and township_row.source == "villages"
    assert township_row.figures["passages_people"] == 0  # the township's own row is not in yet
    clock.set(local(DAY, 16, 45))
    services.sheet_submit(by=users["township"], area=tree["township"], day=DAY)
    after = rollup.rollup(county, DAY)
    assert (after.sheets_sent, after.sheets_late) == (1, 0)
    assert after.townships[0].figures["passages_people"] == 3
    # For every registered figure the county total is the live figure over the county.
    live = figures.compute(county, DAY)
    for f, reported, now in after.comparison():
        assert reported == now == live[f.key], f.key
    county_sheet = services.sheet_submit(by=users["county_admin"], area=county, day=DAY)
    assert not county_sheet.late and county_sheet.figures == after.reported


def test_an_amendment_after_the_sheet_is_shown_above_until_acknowledged(day, users, clock):
    tree = day
    clock.set(local(DAY, 16, 40))
    sheet = services.sheet_submit(by=users["township"], area=tree["township"], day=DAY)
    report = tree["qianjin"].daily_reports.get(date=DAY)
    open_case(by=users["cadre"], area=tree["qianjin_g2"], start=DAY - dt.timedelta(days=1))
    clock.set(local(DAY, 16, 50))  # before 17:00, but after the township took its sheet
    services.report_amend(by=users["cadre"], report=report, reason="漏报一人")
    result = rollup.rollup(tree["township"], DAY)
    [amendment] = result.amendments
    assert amendment.area == tree["qianjin"] and amendment.version.number == 2
    changed = {c.figure.key: (c.before, c.after) for c in amendment.changes}
    assert changed["monitored_now"] == (1, 2)
    assert amendment.version.reason == "漏报一人"
    # The sheet shows the change until it is amended.
    assert sheet.figures["monitored_now"] == 1 and result.reported["monitored_now"] == 2
    with pytest.raises(PermissionDenied):  # the village cannot acknowledge its own amendment
        services.amendment_acknowledge(by=users["cadre"], version=amendment.version)
    services.amendment_acknowledge(by=users["township"], version=amendment.version)
    amendment.version.refresh_from_db()
    assert amendment.version.acknowledged_by == users["township"]
    # The amended sheet goes up: the county sees it as an amendment of the township's sheet.
    clock.set(local(DAY, 18, 30))
    services.sheet_amend(by=users["township"], sheet=sheet, reason="前进村更正")
    [upward] = rollup.rollup(tree["county"], DAY).amendments
    assert upward.kind == "sheet" and upward.area == tree["township"]
    assert {c.figure.key for c in upward.changes} >= {"monitored_now", "at_home"}


def test_villages_amend_alone_until_the_county_says(day, users, clock):
    tree = day
    ReportDeadline.objects.create(county=tree["county"], amend_alone_until=dt.time(18, 0))
    report = tree["qianjin"].daily_reports.get(date=DAY)
    clock.set(local(DAY, 17, 59))
    services.report_amend(by=users["cadre"], report=report, reason="更正一")
    clock.set(local(DAY, 18, 1))
    with pytest.raises(ValidationError, match="18:00"):
        services.report_amend(by=users["cadre"], report=report, reason="更正二")
    # The township amends it for the village after that.
    assert services.report_amend(by=users["township"], report=report, reason="更正二").version == 3


def test_pages_send_and_acknowledge(client, day, users, clock):
    tree = day
    clock.set(local(DAY, 16, 40))
    url = reverse("reports:sheet_send", args=[tree["township"].pk]) + f"?date={DAY}"
    client.force_login(users["stranger"])
    assert client.post(url).status_code == 404
    client.force_login(users["viewer"])
    assert client.post(url).status_code == 403
    client.force_login(users["township"])
    page = client.get(reverse("reports:area_rollup", args=[tree["township"].pk]))
    assert url.encode() in page.content.replace(b"&amp;", b"&")
    assert client.post(url, {"remarks": "已审核"}).status_code == 302
    assert SheetReport.objects.get().remarks == "已审核"
    report = tree["qianjin"].daily_reports.get(date=DAY)
    clock.set(local(DAY, 16, 50))
    version = services.report_amend(by=users["cadre"], report=report, reason="x").versions.last()
    ack = reverse("reports:amendment_acknowledge", args=["report", version.pk])
    client.force_login(users["stranger"])
    assert client.post(ack).status_code == 404
    client.force_login(users["township"])
    page = client.get(reverse("reports:area_rollup", args=[tree["township"].pk]))
    assert ack.encode() in page.content
    assert client.post(ack).status_code == 302
    version.refresh_from_db()
    assert version.acknowledged_at is not None
    client.force_login(users["county_admin"])
    county = client.get(reverse("reports:area_rollup", args=[tree["county"].pk]))
    assert county.status_code == 200 and county.context["r"].sheets_sent == 1


def test_the_dashboard_charts_the_rows_of_the_roll_up(day, users, clock):
    """The dashboard's bars (``rollup.chart_rows``: the roll-up's rows without what only the
    roll-up page shows) are the roll-up's own rows, label for label and figure for figure: a
    county's township by its villages' reports before it sends its sheet, by its sheet after;
    a township's villages by their reports; the own row from ``own``."""
    tree = day
    county, township = tree["county"], tree["township"]

    def own(below):
        return {"own_marker": len(below)}

    def same(area):
        expected = rollup.rollup(area, DAY, live=False, own=own).rows
        charted = rollup.chart_rows(area, DAY, own)
        assert [r.label for r in charted] == [r.label for r in expected]
        assert [r.figures for r in charted] == [r.figures for r in expected]
        assert [r.source for r in charted] == [r.source for r in expected]
        return charted

    rows = same(county)
    assert rows[0].source == "villages" and rows[-1].own
    assert rows[-1].figures == {"own_marker": 1}  # the county's one township
    assert [r.label for r in same(township)][:2] == ["前进村", "白云村"]
    clock.set(local(DAY, 16, 45))
    services.sheet_submit(by=users["township"], area=township, day=DAY)
    assert same(county)[0].source == "reported"
    services.sheet_submit(by=users["county_admin"], area=county, day=DAY)
    assert same(county)[0].figures["passages_people"] == 3
