"""Measure pages and /api/v1/: owner can, stranger 404, viewer 403 on writes, anonymous login;
the disinfection page names the places not done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.measures import services
from fangkong.measures.models import Disinfection, Gathering, Inspection, Publicity
from fangkong.monitoring.tests.factories import local

D = dt.date(2020, 2, 3)


@pytest.fixture
def records(users, tree, clock):
    clock.set(local(D, 10))
    place = services.place_create(
        by=users["cadre"], area=tree["qianjin"], name="前进村村部", kind="office"
    )
    gathering = services.gathering_report(
        by=users["cadre"], area=tree["qianjin"], kind="funeral", family="王家", event_date=D
    )
    venue = services.venue_create(
        by=users["cadre"], area=tree["qianjin"], name="前进饭店", kind="restaurant", status="closed"
    )
    inspection = services.inspection_record(
        by=users["township"],
        area=tree["qianjin"],
        day=D,
        mode="announced",
        checklist={"on_post": False},
    )
    finding = services.finding_add(
        by=users["township"], inspection=inspection, item="on_post", description="脱岗", deadline=D
    )
    return {
        "place": place,
        "gathering": gathering,
        "venue": venue,
        "inspection": inspection,
        "finding": finding,
    }


def _object_pages(r):
    return {
        reverse("measures:disinfection_record", args=[r["place"].pk]): {"day": "2020-02-03"},
        reverse("measures:gathering_outcome", args=[r["gathering"].pk]): {
            "outcome": "simplified",
            "day": "2020-02-03",
        },
        reverse("measures:venue_check", args=[r["venue"].pk]): {
            "status": "open",
            "day": "2020-02-03",
        },
        reverse("measures:finding_add", args=[r["inspection"].pk]): {
            "item": "on_post",
            "description": "x",
            "deadline": "2020-02-04",
        },
        reverse("measures:accountability_add", args=[r["inspection"].pk]): {
            "person_name": "x",
            "measure": "warning",
            "day": "2020-02-03",
        },
        reverse("measures:finding_close", args=[r["finding"].pk]): {
            "closure": "x",
            "day": "2020-02-03",
        },
    }


def test_the_disinfection_page_names_the_places_not_done(client, users, records):
    client.force_login(users["grid_worker"])
    page = client.get(reverse("measures:disinfection")).content.decode()
    assert "前进村村部" not in page  # grid 1's worker does not see the village's own places
    client.force_login(users["cadre"])
    response = client.get(reverse("measures:disinfection"))
    assert [p.name for p in response.context["coverage"].not_done] == ["前进村村部"]
    url = reverse("measures:disinfection_record", args=[records["place"].pk])
    assert client.post(url, {"day": "2020-02-03", "note": "已消毒"}).status_code == 302
    response = client.get(reverse("measures:disinfection"))
    assert response.context["coverage"].not_done == [] and Disinfection.objects.count() == 1


def test_owner_writes_stranger_404_viewer_403(client, users, records):
    pages = _object_pages(records)
    client.force_login(users["stranger"])
    for url, data in pages.items():
        assert client.get(url).status_code in {403, 404}, url
        assert client.post(url, data).status_code in {403, 404}, url
    assert "前进" not in client.get(reverse("measures:venue_list")).content.decode()
    assert (
        client.get(
            reverse("measures:inspection_detail", args=[records["inspection"].pk])
        ).status_code
        == 404
    )
    client.force_login(users["viewer"])
    assert (
        client.get(
            reverse("measures:inspection_detail", args=[records["inspection"].pk])
        ).status_code
        == 200
    )
    for url, data in pages.items():
        assert client.post(url, data).status_code == 403, url
    assert Gathering.objects.get().outcome == "pending"
    client.force_login(users["township"])
    for url, data in pages.items():
        assert client.post(url, data).status_code == 302, url
    assert Gathering.objects.get().outcome == "simplified"
    client.logout()
    for name in (
        "index",
        "disinfection",
        "gathering_list",
        "venue_list",
        "publicity_list",
        "inspection_list",
    ):
        assert client.get(reverse(f"measures:{name}")).status_code == 302


def test_an_inspection_from_the_form_with_its_checklist(client, users, tree, records):
    client.force_login(users["township"])
    response = client.post(
        reverse("measures:inspection_create"),
        {
            "area": tree["baiyun"].pk,
            "day": "2020-02-03",
            "mode": "unannounced",
            "check_on_post": "ok",
            "check_gatherings": "problem",
        },
    )
    assert response.status_code == 302
    assert Inspection.objects.latest("pk").checklist == {"on_post": True, "gatherings": False}
    client.force_login(users["cadre"])
    assert client.get(reverse("measures:inspection_create")).status_code == 403


def test_the_api_is_scoped(users, tree, records):
    api = APIClient()
    assert api.get("/api/v1/gatherings/").status_code in {401, 403}
    api.force_authenticate(users["cadre"])
    assert [g["family"] for g in api.get("/api/v1/gatherings/").json()["results"]] == ["王家"]
    created = api.post(
        "/api/v1/publicity/",
        {"area": tree["qianjin"].pk, "kind": "van_trip", "quantity": 3, "day": "2020-02-03"},
    )
    assert created.status_code == 201, created.json()
    coverage = api.get("/api/v1/key-places/coverage/?date=2020-02-03").json()
    assert [p["name"] for p in coverage["not_done"]] == ["前进村村部"]
    assert api.get("/api/v1/venues/?status=closed").json()["count"] == 1
    api.force_authenticate(users["stranger"])
    assert api.get("/api/v1/gatherings/").json()["results"] == []
    assert api.get(f"/api/v1/inspections/{records['inspection'].pk}/").status_code == 404
    assert (
        api.post(f"/api/v1/findings/{records['finding'].pk}/close/", {"closure": "x"}).status_code
        == 404
    )
    assert api.get("/api/v1/key-places/coverage/").json()["not_done"] == []
    refused = api.post(
        "/api/v1/publicity/", {"area": tree["qianjin"].pk, "kind": "letter", "quantity": 9}
    )
    assert refused.status_code == 400
    api.force_authenticate(users["viewer"])
    assert (
        api.post(
            "/api/v1/publicity/", {"area": tree["qianjin"].pk, "kind": "letter", "quantity": 9}
        ).status_code
        == 403
    )
    assert Publicity.objects.count() == 1
    api.force_authenticate(users["township"])
    closed = api.post(f"/api/v1/findings/{records['finding'].pk}/close/", {"closure": "已整改"})
    assert closed.status_code == 200 and closed.json()["closed_on"] == "2020-02-03"


def test_lists_run_a_constant_number_of_queries(client, users, tree, records):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.publicity_record(by=users["cadre"], area=tree["qianjin"], kind="letter", quantity=9)
    client.force_login(users["township"])
    pages = [
        reverse(f"measures:{n}")
        for n in (
            "index",
            "disinfection",
            "gathering_list",
            "venue_list",
            "publicity_list",
            "inspection_list",
        )
    ]
    few = {}
    for url in pages:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        few[url] = len(ctx.captured_queries)
    for n in range(5):
        area = tree["baiyun"] if n % 2 else tree["qianjin_g2"]
        services.place_create(by=users["township"], area=area, name=f"场所{n}", kind="bins")
        services.venue_create(
            by=users["township"], area=area, name=f"饭店{n}", kind="restaurant", status="closed"
        )
        services.gathering_report(
            by=users["township"], area=area, kind="banquet", family=f"家{n}", event_date=D
        )
        services.publicity_record(by=users["township"], area=area, kind="banner", quantity=n + 1)
        inspection = services.inspection_record(
            by=users["township"], area=area, day=D, mode="announced", checklist={"publicity": False}
        )
        services.finding_add(
            by=users["township"],
            inspection=inspection,
            item="publicity",
            description="少",
            deadline=D,
        )
        services.accountability_add(
            by=users["township"], inspection=inspection, person_name=f"人{n}", measure="warning"
        )
    for url in pages:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx.captured_queries) == few[url], url
