# ruff: noqa: F811 - the fixtures people and clock are imported from their modules
"""The answer to a list from above: outcome classes as the level above reads them, the feedback
sheet in the list's order with its identifiers, the deadline and the overdue entries by name."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from fangkong.core.models import AuditAction, AuditEvent
from fangkong.monitoring.models import ObservationCase
from fangkong.monitoring.tests.factories import clock, local  # noqa: F401 - clock: a fixture
from fangkong.screening import feedback, services
from fangkong.screening.models import EntryOutcome, ReconciliationEntry
from fangkong.screening.tests.test_reconciliation import RECEIVED, people, upload  # noqa: F401

pytestmark = pytest.mark.django_db
DUE = RECEIVED + dt.timedelta(days=2)


@pytest.fixture
def answered(users, people, tree, clock):  # noqa: F811 - the fixture imported above
    """The township's list, its deadline two days on, three of four entries closed."""
    clock.set(local(RECEIVED, 9))
    reconciliation = upload(users["township"], people)
    services.list_set_deadline(by=users["township"], reconciliation=reconciliation, deadline=DUE)
    entries = {e.row: e for e in reconciliation.entries.all()}
    clock.set(local(RECEIVED + dt.timedelta(days=1), 15))
    services.entry_close(
        by=users["grid_worker"],
        entry=entries[3],
        outcome=EntryOutcome.MISSED_FIRST,
        note="=首次排查时外出",
        propose_case=True,
    )
    services.entry_close(
        by=users["stranger"], entry=entries[4], outcome=EntryOutcome.INFO_WRONG, note="姓名有误"
    )
    services.entry_close(
        by=people["other_worker"], entry=entries[5], outcome=EntryOutcome.PAST_PERIOD, note=""
    )
    return reconciliation


def _sheet(body: bytes) -> list[list[str | None]]:
    rows = openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)
    return [list(r) for r in rows]


def test_the_outcome_classes_of_the_level_above(db):
    with translation.override("zh-hans"):
        labels = {str(EntryOutcome(v).label) for v in ("info_wrong", "missed_first", "past_period")}
    assert labels == {"信息有误", "首次排查遗漏", "已过排查期"}


def test_missed_in_the_first_screening_proposes_a_case(answered, people):
    case = ObservationCase.objects.get()
    assert case.resident == people["qianjin"] and case.status == "proposed"


def test_the_feedback_sheet_keeps_the_list_order_and_identifiers(answered, people, clock):
    clock.set(local(DUE + dt.timedelta(days=1), 9))  # past the deadline
    with translation.override("zh-hans"):
        rows = feedback.feedback_rows(answered)
        body = feedback.feedback_xlsx(answered, rows)
    assert [r.row for r in rows] == [3, 4, 5, 6, 7, 8, 9]  # as received, bad rows in place
    sheet = _sheet(body)
    assert "第3批协查名单" in sheet[0][0] and "2020-01-30" in sheet[1][0]
    assert sheet[2] == [
        "原表行号",
        "姓名",
        "身份证号码",
        "联系电话",
        "来源地",
        "核查结果",
        "核查日期",
        "核查人",
        "备注",
    ]
    data = {int(r[0]): r for r in sheet[3:]}
    assert list(data) == [3, 4, 5, 6, 7, 8, 9]
    assert data[3][1:6] == [
        "王武汉",
        people["qianjin"].id_number,
        "13800001111",
        "湖北武汉",
        "首次排查遗漏",
    ]
    assert data[3][6] == "2020-01-29"
    assert data[3][7]  # who checked
    assert data[3][8] == "=首次排查时外出"  # text, not a formula
    assert data[4][5] == "信息有误" and data[4][1] == "赵反乡"  # the name as received
    assert data[5][5] == "已过排查期"
    assert data[6][5] == "未核查" and "逾期" in data[6][8]  # open past the deadline
    assert data[7][5] == "未能读取" and data[7][1] in ("", None)
    openpyxl_cell = openpyxl.load_workbook(io.BytesIO(body)).active["I4"]
    assert openpyxl_cell.data_type == "s"


def test_the_list_page_names_the_overdue_and_downloads_the_sheet(
    client, users, people, answered, clock
):
    url = reverse("screening:list_detail", args=[answered.pk])
    client.force_login(users["township"])
    before = client.get(url)
    assert before.status_code == 200, before
    assert not before.context["overdue"]  # before the deadline
    clock.set(local(DUE + dt.timedelta(days=1), 9))
    client.force_login(users["township"])  # the session of three days ago has expired
    page = client.get(url)
    assert [e.name for e in page.context["overdue"]] == ["孙不在"]  # named, with its row
    assert 'id="overdue"' in page.content.decode() and "孙不在" in page.content.decode()
    open_rows = ReconciliationEntry.objects.filter(list=answered, closed_at__isnull=True)
    assert set(open_rows.values_list("row", flat=True)) == {6}
    download = reverse("screening:list_feedback", args=[answered.pk])
    assert download in page.content.decode()
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(_sheet(response.content)) == 3 + 7
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.rows, event.object_id) == (7, str(answered.pk))
    for user in (users["grid_worker"], users["cadre"], users["stranger"]):
        client.force_login(user)  # see the list (an entry of theirs) but do not answer it
        assert client.get(download).status_code == 403
    client.force_login(people["other_worker"])
    assert client.get(download).status_code == 403
    client.force_login(users["viewer"])  # the county's viewer sees the list, answers nothing
    assert client.get(download).status_code == 403
    client.force_login(_outsider())
    assert client.get(download).status_code == 404
    assert client.post(reverse("screening:list_deadline", args=[answered.pk])).status_code == 404
    client.force_login(users["township"])
    deadline = reverse("screening:list_deadline", args=[answered.pk])
    client.post(deadline, {"deadline": "2020-01-20"})  # before the list came: refused
    answered.refresh_from_db()
    assert answered.deadline == DUE
    client.post(deadline, {"deadline": "2020-02-05"})
    answered.refresh_from_db()
    assert answered.deadline == dt.date(2020, 2, 5)


def _outsider():
    """A county administrator of another county."""
    from fangkong.accounts.models import Role
    from fangkong.accounts.tests.factories import UserFactory
    from fangkong.areas.models import Level
    from fangkong.areas.tests.factories import AreaFactory

    other_county = AreaFactory(name="外县", level=Level.COUNTY, code="430503")
    return UserFactory(username="outsider", role=Role.COUNTY_ADMIN, area=other_county)


def test_the_api_answers_like_the_page(users, people, answered, tree):
    api = APIClient()
    api.force_authenticate(users["township"])
    base = f"/api/v1/reconciliation-lists/{answered.pk}/"
    assert api.get(base).json()["deadline"] == DUE.isoformat()
    assert api.get(base + "feedback/").status_code == 200
    assert (
        api.post(base + "deadline/", {"deadline": None}, format="json").json()["deadline"] is None
    )
    api.force_authenticate(users["grid_worker"])
    assert api.get(base + "feedback/").status_code == 403
    assert api.post(base + "deadline/", {"deadline": "2020-02-01"}).status_code == 403
    api.force_authenticate(_outsider())
    assert api.get(base).status_code == 404
    assert api.get(base + "feedback/").status_code == 404
