"""Exports: scoped, masked by default, full values only with a reason, always audited."""

from __future__ import annotations

import csv
import io

from python_calamine import CalamineWorkbook

from fangkong.accounts.tests.factories import PASSWORD
from fangkong.core.models import AuditEvent
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory


def _data(tree):
    mine = [ResidentFactory(household=HouseholdFactory(area=tree["qianjin_g1"])) for _ in range(3)]
    theirs = ResidentFactory(household=HouseholdFactory(area=tree["baiyun_g1"]))
    return mine, theirs


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_export_is_scoped_masked_and_audited(client, tree, users):
    mine, theirs = _data(tree)
    client.login(username="cadre", password=PASSWORD)
    response = client.post("/register/export/", {"kind": "residents", "format": "csv"})
    assert response.status_code == 200
    rows = _csv(response)
    assert len(rows) == 1 + 3
    text = str(rows)
    assert theirs.name not in text
    for r in mine:
        assert r.name in text and r.id_number not in text and r.id_masked in text
        assert r.phone not in text
    event = AuditEvent.objects.get(action="export")
    assert event.user == users["cadre"] and event.rows == 3 and event.field == "masked"


def test_full_export_needs_a_reason_and_a_role(client, tree, users):
    mine, _theirs = _data(tree)
    client.login(username="cadre", password=PASSWORD)
    refused = client.post("/register/export/", {"kind": "residents", "format": "csv", "full": "on"})
    assert refused.status_code == 200 and not AuditEvent.objects.filter(action="export").exists()
    response = client.post(
        "/register/export/",
        {"kind": "residents", "format": "xlsx", "full": "on", "reason": "上报区指挥部核对"},
    )
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) == 4
    assert {r.id_number for r in mine} <= {row[2] for row in rows[1:]}
    event = AuditEvent.objects.get(action="export")
    assert event.field == "full" and "上报区指挥部核对" in event.detail and event.rows == 3
    # the read-only viewer reports nothing upward: no export at all (the access table)
    client.login(username="viewer", password=PASSWORD)
    response = client.post(
        "/register/export/", {"kind": "residents", "format": "csv", "full": "on", "reason": "x"}
    )
    assert response.status_code == 403


def test_household_export_and_area_filter_outside_scope(client, tree, users):
    _data(tree)
    client.login(username="stranger", password=PASSWORD)
    response = client.post(
        "/register/export/", {"kind": "households", "format": "csv", "area": tree["qianjin"].pk}
    )
    assert response.status_code == 200 and "area" in response.context["form"].errors
    response = client.post("/register/export/", {"kind": "households", "format": "csv"})
    assert len(_csv(response)) == 2
    client.logout()
    assert (
        client.post("/register/export/", {"kind": "households", "format": "csv"}).status_code == 302
    )


def test_export_queries_do_not_grow_with_rows(client, tree, users, django_assert_max_num_queries):
    for _ in range(30):
        ResidentFactory(household=HouseholdFactory(area=tree["qianjin_g1"]))
    client.login(username="cadre", password=PASSWORD)
    with django_assert_max_num_queries(12):
        response = client.post("/register/export/", {"kind": "residents", "format": "csv"})
        assert len(_csv(response)) == 31
