"""Errand and care pages: the resident's request on the personal link, the worker's pages; the
owner can, a stranger gets 404, the viewer 403 on writes, anonymous goes to the login page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.care import services
from fangkong.care.models import Errand
from fangkong.care.tests.factories import errand_in
from fangkong.monitoring import services as monitoring_services
from fangkong.monitoring.models import CheckIn
from fangkong.monitoring.tests.factories import local, open_case, resident_in

D = dt.date(2020, 2, 3)


@pytest.fixture
def case(users, tree, clock):
    clock.set(local(D, 9))
    return open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)


@pytest.fixture
def link(client, users, case):
    client.force_login(users["cadre"])
    url = client.post(reverse("monitoring:case_link", args=[case.pk])).context["url"]
    client.logout()
    return url[url.index("/r/") :]


def test_the_resident_asks_for_medicine_through_the_personal_link(client, case, link):
    page = client.get(link).content.decode()
    assert f'href="{link}errand/"' in page  # the self-report page links to the request form
    form = client.get(link + "errand/")
    body = form.content.decode()
    assert form.status_code == 200
    for secret in (case.resident.name, case.resident.household.address, "前进村"):
        assert secret not in body
    response = client.post(link + "errand/", {"kind": "medicine", "details": "降压药两盒"})
    assert response.status_code == 302
    errand = Errand.objects.get()
    assert (errand.source, errand.case, errand.household) == ("link", case, case.resident.household)
    assert "降压药两盒" in client.get(link + "errand/?ok=1").content.decode()


def test_a_bad_request_says_why_and_writes_nothing(client, link):
    response = client.post(link + "errand/", {"kind": "medicine", "details": ""})
    assert response.status_code == 400
    assert not Errand.objects.exists()


def test_temperatures_and_requests_share_the_link_rate_limit(client, link):
    for _ in range(10):
        client.post(link + "errand/", {"kind": "x"})
    assert client.post(link + "errand/", {"kind": "medicine", "details": "药"}).status_code == 429
    assert client.post(link, {"temperature": "36.5"}).status_code == 429
    assert not Errand.objects.exists() and not CheckIn.objects.exists()


def test_a_dead_link_asks_for_nothing(client, users, case, link, clock):
    clock.set(local(case.planned_end, 9))
    monitoring_services.case_release(by=users["doctor"], case=case)
    assert client.get(link + "errand/").status_code == 404
    assert client.post(link + "errand/", {"kind": "medicine", "details": "药"}).status_code == 404
    assert client.get("/r/not-a-token/errand/").status_code == 404
    assert not Errand.objects.exists()


def test_a_volunteer_takes_and_closes_it_and_the_village_totals_change(
    client, users, tree, volunteer, clock
):
    clock.set(local(D, 9))
    errand = errand_in(tree["qianjin_g1"], by=users["grid_worker"])
    client.force_login(volunteer)
    assert errand.details in client.get(reverse("care:errand_list")).content.decode()
    totals = client.get(reverse("care:errand_totals")).context["totals"]
    assert totals.total.done == 0
    assert client.post(reverse("care:errand_take", args=[errand.pk])).status_code == 302
    done = reverse("care:errand_done", args=[errand.pk])
    assert client.post(done, {"money_spent": "abc"}).status_code == 200  # the error is shown
    assert client.post(done, {"money_spent": "56.50"}).status_code == 302
    totals = client.get(reverse("care:errand_totals")).context["totals"]
    assert [(t.label, t.done, t.money_spent) for t in totals.villages] == [
        ("前进村", 1, Decimal("56.50"))
    ]


def test_phoned_in_request_found_by_address(client, users, tree, clock):
    clock.set(local(D, 9))
    household = resident_in(tree["qianjin_g1"]).household
    client.force_login(users["grid_worker"])
    url = reverse("care:errand_create")
    found = client.get(url, {"q": household.address})
    assert found.context["matches"] == [household]
    response = client.post(
        url,
        {"household": household.pk, "kind": "gas_water", "details": "换液化气", "source": "phone"},
    )
    assert response.status_code == 302
    assert Errand.objects.get().requested_by == users["grid_worker"]


def test_stranger_404_viewer_403_anonymous_login(client, users, tree, clock):
    clock.set(local(D, 9))
    errand = errand_in(tree["qianjin_g1"], by=users["cadre"])
    ill = resident_in(tree["qianjin_g1"], chronic_illness=True)
    plan = services.care_plan_create(
        by=users["doctor"],
        resident=ill,
        kind="doctor_visit",
        description="上门",
        every_days=7,
        starts_on=D,
        responsible=users["doctor"],
    )
    pages = [
        reverse("care:errand_detail", args=[errand.pk]),
        reverse("care:plan_detail", args=[plan.pk]),
    ]
    writes = [
        reverse(f"care:errand_{name}", args=[errand.pk])
        for name in ("take", "assign", "done", "cancel", "repay")
    ] + [reverse("care:plan_visit", args=[plan.pk]), reverse("care:plan_end", args=[plan.pk])]
    for url in pages + writes:
        assert client.get(url).status_code == 302
    client.force_login(users["stranger"])
    for url in pages + writes:
        assert client.get(url).status_code == 404, url
        assert (
            client.post(url, {"money_spent": "1", "reason": "x", "date": "2020-02-03"}).status_code
            == 404
        )
    assert (
        errand.details
        not in client.get(reverse("care:errand_list") + "?status=all").content.decode()
    )
    assert ill.name not in client.get(reverse("care:plan_list")).content.decode()
    client.force_login(users["viewer"])
    for url in pages:
        assert client.get(url).status_code == 200
    for url in writes + [reverse("care:errand_create"), reverse("care:plan_create")]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"money_spent": "1"}).status_code == 403
    errand.refresh_from_db()
    assert errand.status == "requested"


def test_the_overdue_visits_are_listed_by_name(client, users, tree, clock):
    clock.set(local(D, 9))
    ill = resident_in(tree["qianjin_g1"], name="癌症患者", chronic_illness=True)
    services.care_plan_create(
        by=users["doctor"],
        resident=ill,
        kind="doctor_visit",
        description="每周上门",
        every_days=7,
        starts_on=D - dt.timedelta(days=3),
        responsible=users["doctor"],
    )
    client.force_login(users["cadre"])
    response = client.get(reverse("care:plan_list"))
    assert [o.plan.resident.name for o in response.context["overdue"]] == ["癌症患者"]
    assert "癌症患者" in response.content.decode()


def test_the_errand_list_runs_a_constant_number_of_queries(client, users, tree, clock):
    clock.set(local(D, 9))
    errand_in(tree["qianjin_g1"], by=users["cadre"])
    client.force_login(users["cadre"])
    url = reverse("care:errand_list") + "?status=all"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        e = errand_in(tree[f"qianjin_g{n % 2 + 1}"], by=users["cadre"])
        if n % 2:
            services.errand_done(by=users["doctor"], errand=e, money_spent="3")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_pages_are_in_chinese_by_default(client, users):
    client.force_login(users["cadre"])
    body = client.get(reverse("care:errand_list")).content.decode()
    assert "红色代办" in body and "按村、按人统计" in body
