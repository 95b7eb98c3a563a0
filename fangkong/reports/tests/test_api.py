"""``/api/v1/reports``: scoped like the pages, written through the same services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.monitoring.tests.factories import local
from fangkong.reports import services
from fangkong.reports.models import DailyReport

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def api(now):
    return APIClient()


@pytest.fixture
def now(clock):
    return clock.set(local(DAY, 15))


def test_owner_submits_amends_and_reads(api, tree, users):
    api.force_authenticate(users["cadre"])
    response = api.post(
        reverse("report-submit"), {"area": tree["qianjin"].pk, "remarks": "无"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["date"] == DAY.isoformat() and body["is_zero"] and not body["late"]
    again = api.post(reverse("report-submit"), {"area": tree["qianjin"].pk}, format="json")
    assert again.status_code == 400
    pk = body["id"]
    assert api.post(reverse("report-amend", args=[pk]), {}, format="json").status_code == 400
    amended = api.post(reverse("report-amend", args=[pk]), {"reason": "补报"}, format="json")
    assert amended.status_code == 200 and amended.json()["version"] == 2
    assert [v["number"] for v in amended.json()["versions"]] == [1, 2]
    listed = api.get(reverse("report-list"), {"date": DAY.isoformat()}).json()
    assert listed["count"] == 1 and listed["results"][0]["area_name"] == "前进村"
    assert api.get(reverse("report-list"), {"date": "garbage"}).json()["count"] == 0


def test_stranger_404_viewer_403_anonymous_401(api, tree, users):
    report = services.report_submit(by=users["cadre"], area=tree["qianjin"], day=DAY)
    detail = reverse("report-detail", args=[report.pk])
    amend = reverse("report-amend", args=[report.pk])
    assert api.get(detail).status_code in {401, 403}
    assert api.get(reverse("report-rollup")).status_code in {401, 403}
    api.force_authenticate(users["stranger"])
    assert api.get(detail).status_code == 404
    assert api.post(amend, {"reason": "x"}, format="json").status_code == 404
    stranger_submit = api.post(reverse("report-submit"), {"area": tree["qianjin"].pk})
    assert stranger_submit.status_code == 400
    assert api.get(reverse("report-list")).json()["count"] == 0
    api.force_authenticate(users["viewer"])
    assert api.get(detail).status_code == 200
    assert api.post(amend, {"reason": "x"}, format="json").status_code == 403
    assert api.post(reverse("report-submit"), {"area": tree["baiyun"].pk}).status_code == 403
    assert DailyReport.objects.get().version == 1


def test_rollup_endpoint(api, tree, users):
    users["stranger"].phone = "15400001111"
    users["stranger"].save()
    services.report_submit(by=users["cadre"], area=tree["qianjin"], day=DAY, at=local(DAY, 17))
    api.force_authenticate(users["township"])
    body = api.get(reverse("report-rollup"), {"date": DAY.isoformat()}).json()
    assert (body["expected"], body["submitted"], body["late"], body["missing"]) == (2, 1, 1, 1)
    missing = [v for v in body["villages"] if v["status"] == "missing"]
    assert missing == [
        {
            "area": tree["baiyun"].pk,
            "name": "白云村",
            "status": "missing",
            "is_zero": False,
            "phones": ["15400001111"],
        }
    ]
    assert {f["key"] for f in body["figures"]} >= {"monitored_now", "households_screened"}
    # Scoped: an area outside the caller's scope is refused like an unknown one.
    api.force_authenticate(users["stranger"])
    refused = api.get(reverse("report-rollup"), {"area": tree["township"].pk})
    assert refused.status_code == 400
    own = api.get(reverse("report-rollup"), {"date": DAY.isoformat()}).json()
    assert own["area_name"] == "白云村" and own["expected"] == 1


def test_a_report_day_outside_2000_to_2099_is_refused_as_on_the_pages(api, tree, users):
    """A far-past day (its deadline in local mean time, +08:05:43) is a 400 naming the field, in
    the roll-up, the live table and a submit; nothing is written."""
    api.force_authenticate(users["township"])
    for name in ("report-rollup", "report-live"):
        answer = api.get(reverse(name), {"date": "1900-01-01"})
        assert answer.status_code == 400, name
        assert "2000" in answer.json()["date"][0]
    assert api.get(reverse("report-rollup"), {"date": "2099-12-31"}).status_code == 200
    api.force_authenticate(users["cadre"])
    refused = api.post(
        reverse("report-submit"), {"area": tree["qianjin"].pk, "date": "1899-12-31"}, format="json"
    )
    assert refused.status_code == 400 and not DailyReport.objects.exists()
