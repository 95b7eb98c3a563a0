"""List reconciliation (协查名单): reading, matching by ID within the county, forwarding, closing,
and the pages and API with their strangers."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.monitoring.models import Category, ObservationCase, Source, Status
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number
from fangkong.screening import services
from fangkong.screening.models import (
    EntryOutcome,
    MatchKind,
    ReconciliationEntry,
    ReconciliationList,
)

pytestmark = pytest.mark.django_db
RECEIVED = dt.date(2020, 1, 28)


@pytest.fixture
def people(tree, users):
    """A resident of 前进村1网格, one of 白云村, one in another township of the county."""
    other_township = AreaFactory(
        name="高崇山镇", level=Level.TOWNSHIP, code="430502006000", parent=tree["county"]
    )
    other_village = AreaFactory(
        name="新村", level=Level.VILLAGE, code="430502006201", parent=other_township
    )
    other_grid = AreaFactory(name="新村1网格", level=Level.GRID, code="01", parent=other_village)
    return {
        "qianjin": ResidentFactory(
            household=HouseholdFactory(area=tree["qianjin_g1"]), name="王武汉"
        ),
        "baiyun": ResidentFactory(
            household=HouseholdFactory(area=tree["baiyun_g1"]), name="赵返乡"
        ),
        "elsewhere": ResidentFactory(household=HouseholdFactory(area=other_grid), name="钱外镇"),
        "other_grid": other_grid,
        "other_worker": UserFactory(
            username="other_worker", role=Role.GRID_WORKER, area=other_grid
        ),
    }


def csv_file(people, *, extra: str = "") -> io.BytesIO:
    unknown = make_id_number(seq=55)
    text = (
        "市疫情防控指挥部协查名单（第3批）\n"
        "序号,姓名,身份证号码,手机号,来源地,返回日期\n"
        f"1,王武汉,{people['qianjin'].id_number},13800001111,湖北武汉,2020-01-20\n"
        f"2,赵反乡,{people['baiyun'].id_number},,湖北孝感,2020/1/21\n"
        f"3,钱外镇,{people['elsewhere'].id_number},,湖北黄冈,\n"
        f"4,孙不在,{unknown},,武汉,2020-01-22\n"
        "5,李错号,430502198001011234,,武汉,2020-01-22\n"
        f"6,,{make_id_number(seq=56)},,武汉,\n"
        # An unreadable phone or date is only a warning (tested in registry's test_sheets):
        # this row is refused for its ID number.
        f"7,周日期,{make_id_number(seq=57)[:17]},123,武汉,昨天\n" + extra
    )
    return io.BytesIO(text.encode("utf-8"))


def upload(by, people, **kwargs):
    return services.list_upload(
        by=by,
        source=csv_file(people),
        filename="名单.csv",
        title="第3批协查名单",
        received_on=RECEIVED,
        **kwargs,
    )


def test_upload_reads_validates_and_matches(users, people, tree):
    reconciliation = upload(users["township"], people)
    assert reconciliation.area == tree["township"] and reconciliation.county == tree["county"]
    entries = {e.row: e for e in reconciliation.entries.all()}
    assert set(entries) == {3, 4, 5, 6}
    assert entries[3].match == MatchKind.IN_SCOPE
    assert entries[3].resident == people["qianjin"]
    assert entries[3].assigned_area == tree["qianjin_g1"]
    assert entries[3].reported_on == dt.date(2020, 1, 20) and entries[3].origin == "湖北武汉"
    assert entries[3].phone == "13800001111"
    assert entries[4].match == MatchKind.CONFLICT  # 赵反乡 ≠ 赵返乡
    assert entries[4].assigned_area == tree["baiyun_g1"]
    assert entries[4].reported_on == dt.date(2020, 1, 21)
    assert entries[5].match == MatchKind.ELSEWHERE
    assert entries[5].assigned_area == people["other_grid"]
    assert entries[6].match == MatchKind.NOT_FOUND and entries[6].assigned_area == tree["township"]
    # Bad rows: row, column (as written in the file) and reason.
    bad = {(r["row"], r["column"]) for r in reconciliation.rejected}
    assert bad == {(7, "身份证号码"), (8, "姓名"), (9, "身份证号码")}
    assert reconciliation.rows_read == 7
    # Stored encrypted, found by blind index.
    with connection.cursor() as cursor:
        table = ReconciliationEntry._meta.db_table
        cursor.execute(f"SELECT id_number FROM {table} WHERE id = %s", [entries[3].pk])  # noqa: S608
        raw = cursor.fetchone()[0]
    assert raw and people["qianjin"].id_number not in raw
    assert entries[3].id_number_index == people["qianjin"].id_number_index
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT, rows=4).exists()


def test_an_xlsx_list_with_a_title_row(users, people):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["协查名单"])
    sheet.append(["姓名", "身份证号", "联系电话", "来自", "抵达日期"])
    sheet.append(["王武汉", people["qianjin"].id_number, "", "武汉", dt.date(2020, 1, 19)])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    reconciliation = services.list_upload(
        by=users["county_admin"], source=data, filename="l.xlsx", title="x", received_on=RECEIVED
    )
    entry = reconciliation.entries.get()
    assert (entry.match, entry.reported_on) == (MatchKind.IN_SCOPE, dt.date(2020, 1, 19))


def test_a_county_admin_has_everything_in_scope(users, people):
    reconciliation = upload(users["county_admin"], people)
    matches = dict(reconciliation.entries.values_list("row", "match"))
    assert matches[5] == MatchKind.IN_SCOPE


@pytest.mark.parametrize("who", ["cadre", "grid_worker", "doctor", "viewer"])
def test_only_township_and_county_upload(users, people, who):
    with pytest.raises(PermissionDenied):
        upload(users[who], people)
    assert not ReconciliationList.objects.exists()


def test_a_file_without_the_columns_is_refused_whole(users):
    with pytest.raises(ValidationError) as error:
        services.list_upload(
            by=users["township"],
            source=io.BytesIO("姓名,电话\n张三,13800001111\n".encode()),
            filename="x.csv",
            title="x",
            received_on=RECEIVED,
        )
    assert "file" in error.value.message_dict
    assert not ReconciliationList.objects.exists()


def test_forwarded_entries_are_their_areas_not_the_uploaders(users, people):
    upload(users["township"], people)
    forwarded = ReconciliationEntry.objects.get(match=MatchKind.ELSEWHERE)
    assert list(ReconciliationEntry.objects.for_user(people["other_worker"])) == [forwarded]
    assert forwarded not in ReconciliationEntry.objects.for_user(users["township"])
    assert ReconciliationList.objects.for_user(people["other_worker"]).count() == 1
    grid = ReconciliationEntry.objects.for_user(users["grid_worker"])
    assert [e.row for e in grid] == [3]


def test_close_verified_at_home_proposes_a_case(users, people):
    upload(users["township"], people)
    entry = ReconciliationEntry.objects.get(row=3)
    services.entry_close(
        by=users["grid_worker"],
        entry=entry,
        outcome=EntryOutcome.VERIFIED_AT_HOME,
        propose_case=True,
        category=Category.RETURNEE,
    )
    entry.refresh_from_db()
    assert entry.outcome == EntryOutcome.VERIFIED_AT_HOME and not entry.is_open
    case = ObservationCase.objects.get()
    assert (case.status, case.source, case.source_ref) == (
        Status.PROPOSED,
        Source.RECONCILIATION,
        services.entry_ref(entry),
    )
    assert case.start_date == dt.date(2020, 1, 20) and case.resident == people["qianjin"]
    with pytest.raises(ValidationError):  # closed once
        services.entry_close(by=users["grid_worker"], entry=entry, outcome=EntryOutcome.OTHER)


def test_close_rules(users, people):
    upload(users["township"], people)
    entry = ReconciliationEntry.objects.get(row=3)
    with pytest.raises(ValidationError) as error:
        services.entry_close(by=users["grid_worker"], entry=entry, outcome=EntryOutcome.OTHER)
    assert "note" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.entry_close(
            by=users["grid_worker"],
            entry=entry,
            outcome=EntryOutcome.NOT_IN_AREA,
            propose_case=True,
        )
    assert "propose_case" in error.value.message_dict
    for who in ("stranger", "viewer"):
        with pytest.raises(PermissionDenied):
            services.entry_close(
                by=users[who], entry=entry, outcome=EntryOutcome.NOT_IN_AREA, note="x"
            )
    not_found = ReconciliationEntry.objects.get(row=6)
    with pytest.raises(PermissionDenied):  # the township's, not the grid's
        services.entry_close(
            by=users["grid_worker"], entry=not_found, outcome=EntryOutcome.NOT_IN_AREA
        )
    services.entry_close(by=users["township"], entry=not_found, outcome=EntryOutcome.NOT_IN_AREA)
    assert ReconciliationEntry.objects.open().count() == 3
    assert not ObservationCase.objects.exists()


# --- pages ---------------------------------------------------------------------------------


def url(name, **kwargs):
    return reverse(f"screening:{name}", kwargs=kwargs or None)


def test_upload_page_shows_the_result(client, users, people):
    client.force_login(users["township"])
    assert client.get(url("list_upload")).status_code == 200
    response = client.post(
        url("list_upload"),
        {
            "title": "第3批",
            "received_on": "2020-01-28",
            "file": SimpleUploadedFile("名单.csv", csv_file(people).getvalue()),
        },
    )
    reconciliation = ReconciliationList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("list_detail", pk=reconciliation.pk)
    response = client.get(response["Location"])
    body = response.content.decode()
    assert response.context["forwarded"] == 1
    assert "钱外镇" not in body  # forwarded: a count, no details
    assert people["qianjin"].id_number not in body and people["qianjin"].id_masked in body
    assert "身份证号码" in body and "#rejected" not in body and 'id="rejected"' in body


def test_upload_page_roles(client, users, people):
    for who in ("cadre", "grid_worker", "viewer"):
        client.force_login(users[who])
        assert client.get(url("list_upload")).status_code == 403
    client.logout()
    assert client.get(url("list_upload")).status_code == 302
    assert client.get(url("list_index")).status_code == 302
    assert client.get(url("entry_tasks")).status_code == 302


def test_tasks_and_close_page(client, users, people):
    upload(users["township"], people)
    entry = ReconciliationEntry.objects.get(row=3)
    client.force_login(users["grid_worker"])
    response = client.get(url("entry_tasks"))
    assert [e.pk for e in response.context["page"]] == [entry.pk]
    assert people["qianjin"].id_number not in response.content.decode()
    assert client.get(url("entry_close", pk=entry.pk)).status_code == 200
    response = client.post(
        url("entry_close", pk=entry.pk),
        {"outcome": EntryOutcome.VERIFIED_AT_HOME, "propose_case": "on", "category": "returnee"},
    )
    assert response.status_code == 302
    assert ObservationCase.objects.filter(source=Source.RECONCILIATION).count() == 1
    body = client.get(url("entry_close", pk=entry.pk)).content.decode()
    case = ObservationCase.objects.get()
    assert reverse("monitoring:case_detail", kwargs={"pk": case.pk}) in body


def test_close_page_stranger_viewer_anonymous(client, users, people):
    upload(users["township"], people)
    entry = ReconciliationEntry.objects.get(row=3)
    reconciliation = entry.list
    client.force_login(users["stranger"])
    assert client.get(url("entry_close", pk=entry.pk)).status_code == 404
    assert client.post(url("entry_close", pk=entry.pk), {"outcome": "other"}).status_code == 404
    assert client.get(url("list_detail", pk=reconciliation.pk)).status_code == 200  # 白云村's row
    client.force_login(people["other_worker"])
    assert client.get(url("entry_close", pk=entry.pk)).status_code == 404
    client.force_login(users["viewer"])
    assert client.get(url("entry_close", pk=entry.pk)).status_code == 200
    response = client.post(url("entry_close", pk=entry.pk), {"outcome": "not_in_area"})
    assert response.status_code == 403
    client.logout()
    assert client.get(url("entry_close", pk=entry.pk)).status_code == 302
    entry.refresh_from_db()
    assert entry.is_open


def test_a_list_of_another_township_is_not_there(client, users, people):
    reconciliation = services.list_upload(
        by=UserFactory(
            username="t2", role=Role.TOWNSHIP_OFFICER, area=people["other_grid"].parent.parent
        ),
        source=io.BytesIO(f"姓名,身份证号\n钱外镇,{people['elsewhere'].id_number}\n".encode()),
        filename="x.csv",
        title="x",
        received_on=RECEIVED,
    )
    client.force_login(users["township"])
    assert client.get(url("list_detail", pk=reconciliation.pk)).status_code == 404


def test_list_pages_queries_do_not_grow(client, users, people, django_assert_max_num_queries):
    upload(users["township"], people)
    client.force_login(users["township"])
    with django_assert_max_num_queries(12) as first:
        client.get(url("list_detail", pk=ReconciliationList.objects.get().pk))
    upload(users["township"], people)
    upload(users["township"], people)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url("list_index"))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url("entry_tasks"))


# --- API -----------------------------------------------------------------------------------


def test_api_entries_and_close(users, people):
    upload(users["township"], people)
    entry = ReconciliationEntry.objects.get(row=3)
    api = APIClient()
    assert api.get("/api/v1/reconciliation-entries/").status_code in (401, 403)
    api.force_authenticate(users["grid_worker"])
    data = api.get("/api/v1/reconciliation-entries/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [r["id"] for r in rows] == [entry.pk]
    assert rows[0]["id_number"] == people["qianjin"].id_masked
    assert api.get(f"/api/v1/reconciliation-entries/{entry.pk}/").status_code == 200
    api.force_authenticate(users["stranger"])
    assert api.get(f"/api/v1/reconciliation-entries/{entry.pk}/").status_code == 404
    close = f"/api/v1/reconciliation-entries/{entry.pk}/close/"
    assert api.post(close, {"outcome": "not_in_area"}).status_code == 404
    api.force_authenticate(users["viewer"])
    assert api.post(close, {"outcome": "not_in_area"}).status_code == 403
    api.force_authenticate(users["grid_worker"])
    response = api.post(close, {"outcome": "other"}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = api.post(close, {"outcome": "not_in_area"}, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "not_in_area"


def test_a_name_conflict_outside_the_area_keeps_the_person_out_of_sight(client, users, people):
    """钱外镇 lives in another township; the list names the ID under another name: the entry stays
    with the uploader, who does not learn who or where the registered person is."""
    services.list_upload(
        by=users["township"],
        source=io.BytesIO(f"姓名,身份证号\n钱某某,{people['elsewhere'].id_number}\n".encode()),
        filename="x.csv",
        title="x",
        received_on=RECEIVED,
    )
    entry = ReconciliationEntry.objects.get()
    assert (entry.match, entry.assigned_area) == (MatchKind.CONFLICT, entry.list.area)
    assert entry.resident_shown is None
    client.force_login(users["township"])
    body = client.get(url("entry_close", pk=entry.pk)).content.decode()
    assert "钱外镇" not in body and "新村" not in body
    api = APIClient()
    api.force_authenticate(users["township"])
    data = api.get(f"/api/v1/reconciliation-entries/{entry.pk}/").json()
    assert data["resident"] is None
    with pytest.raises(ValidationError) as error:
        services.entry_close(
            by=users["township"],
            entry=entry,
            outcome=EntryOutcome.VERIFIED_AT_HOME,
            propose_case=True,
        )
    assert "propose_case" in error.value.message_dict
