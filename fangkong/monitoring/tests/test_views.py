"""Monitoring pages: owner can, stranger 404, viewer 403 on writes, anonymous to login; the
self-report link; constant query counts on the lists and the today page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.monitoring import services
from fangkong.monitoring.models import Alert, CheckIn, Status
from fangkong.monitoring.tests.factories import local, open_case

D = dt.date(2020, 2, 1)


@pytest.fixture
def case(users, tree, clock):
    clock.set(local(D, 7))
    return open_case(
        by=users["cadre"],
        area=tree["qianjin_g1"],
        start=D,
        resident=None,
        grid_worker=users["grid_worker"],
        doctor=users["doctor"],
    )


def _pages(case):
    return {
        "today": reverse("monitoring:today"),
        "list": reverse("monitoring:case_list"),
        "detail": reverse("monitoring:case_detail", args=[case.pk]),
        "alerts": reverse("monitoring:alert_list"),
    }


def test_anonymous_is_sent_to_login(client, case):
    for url in _pages(case).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_owner_sees_case_and_stranger_gets_404(client, users, case):
    client.force_login(users["grid_worker"])
    response = client.get(reverse("monitoring:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert case.resident.name in response.content.decode()
    assert case.resident.name in client.get(reverse("monitoring:case_list")).content.decode()

    client.force_login(users["stranger"])
    assert client.get(reverse("monitoring:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("monitoring:checkin_create", args=[case.pk])).status_code == 404
    for url in (reverse("monitoring:case_list"), reverse("monitoring:today")):
        assert case.resident.name not in client.get(url).content.decode()


def test_viewer_reads_but_may_not_write(client, users, case):
    client.force_login(users["viewer"])
    assert client.get(reverse("monitoring:case_detail", args=[case.pk])).status_code == 200
    for name in ("checkin_create", "case_release", "case_extend", "case_end_early", "case_link"):
        url = reverse(f"monitoring:{name}", args=[case.pk])
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"temperature": "36.5", "reason": "x", "days": 3}).status_code == 403
        )
    assert client.get(reverse("monitoring:case_create")).status_code == 403
    assert not CheckIn.objects.exists()


def test_checkin_from_the_today_page_and_a_clear_error(client, users, case, clock):
    clock.set(local(D, 9))
    client.force_login(users["grid_worker"])
    today = client.get(reverse("monitoring:today")).content.decode()
    form_url = reverse("monitoring:checkin_create", args=[case.pk])
    assert f"{form_url}?next=today" in today  # one tap from the list of check-ins due
    response = client.post(form_url, {"date": D, "slot": 1, "temperature": "45", "next": "today"})
    assert response.status_code == 200
    assert "35.0" in response.context["form"].errors["temperature"][0]
    response = client.post(form_url, {"date": D, "slot": 1, "temperature": "37.8", "next": "today"})
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:today")
    alert = Alert.objects.get()
    today = client.get(reverse("monitoring:today")).content.decode()
    assert reverse("monitoring:alert_handle", args=[alert.pk]) in today
    response = client.post(
        reverse("monitoring:alert_handle", args=[alert.pk]), {"action": "fever_clinic"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.action == "fever_clinic" and alert.handled_by == users["grid_worker"]


def test_open_a_case_from_the_page(client, users, tree, clock):
    from fangkong.monitoring.tests.factories import resident_in

    clock.set(local(D, 9))
    resident = resident_in(tree["qianjin_g1"], name="赵返乡")
    client.force_login(users["cadre"])
    response = client.get(reverse("monitoring:case_create"), {"q": "赵返乡"})
    assert f"?resident={resident.pk}" in response.content.decode()
    response = client.post(
        reverse("monitoring:case_create"),
        {
            "resident": resident.pk,
            "category": "returnee",
            "mode": "home",
            "start_date": D,
            "doctor": users["doctor"].pk,
            "source": "manual",
        },
    )
    assert response.status_code == 302
    case = resident.observation_cases.get()
    assert case.doctor == users["doctor"] and case.planned_end == D + dt.timedelta(days=14)
    # A resident of another village cannot be chosen.
    other = resident_in(tree["baiyun_g1"])
    response = client.post(
        reverse("monitoring:case_create"),
        {
            "resident": other.pk,
            "category": "returnee",
            "mode": "home",
            "start_date": D,
            "source": "manual",
        },
    )
    assert response.status_code == 200 and not other.observation_cases.exists()


def test_release_from_the_page(client, users, case, clock):
    clock.set(local(case.planned_end, 9))
    client.force_login(users["grid_worker"])
    assert client.post(reverse("monitoring:case_release", args=[case.pk])).status_code == 403
    client.force_login(users["doctor"])
    response = client.post(reverse("monitoring:case_release", args=[case.pk]), {"reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RELEASED


def test_case_list_filters(client, users, tree, case, clock):
    other = open_case(by=users["cadre"], area=tree["qianjin_g2"], start=D, mode="centralised")
    client.force_login(users["cadre"])
    page = client.get(reverse("monitoring:case_list"), {"mode": "centralised"}).context["page"]
    assert list(page) == [other]
    page = client.get(reverse("monitoring:case_list"), {"status": "released"}).context["page"]
    assert list(page) == []


# --- query counts ---------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name", ["monitoring:today", "monitoring:case_list", "monitoring:alert_list"]
)
def test_lists_run_a_constant_number_of_queries(client, users, tree, clock, name):
    clock.set(local(D, 9))
    client.force_login(users["cadre"])

    def add(n):
        for _ in range(n):
            c = open_case(
                by=users["cadre"], area=tree["qianjin_g1"], start=D - dt.timedelta(days=1)
            )
            services.checkin_record(
                case=c, by=users["cadre"], temperature="38.0", day=D - dt.timedelta(days=1), slot=2
            )

    add(2)
    url = reverse(name)
    _queries(client, url)  # the first call raises the missed alerts
    few = _queries(client, url)
    add(6)
    _queries(client, url)
    assert _queries(client, url) == few
    assert few <= 14


# --- self-report link ---------------------------------------------------------------------


@pytest.fixture
def link(client, users, case):
    client.force_login(users["cadre"])
    response = client.post(reverse("monitoring:case_link", args=[case.pk]))
    assert response.status_code == 200
    url = response.context["url"]
    assert "<svg" in response.content.decode()
    client.logout()
    return url[url.index("/r/") :]


def test_the_link_stores_only_a_hash(case, link):
    token = link.split("/")[2]
    case.refresh_from_db()
    assert case.link_hash and token not in case.link_hash
    assert len(token) >= 32


def test_self_report_works_without_an_account_and_shows_only_the_first_name(
    client, case, link, clock
):
    clock.set(local(D, 8))
    response = client.get(link)
    body = response.content.decode()
    assert response.status_code == 200
    assert case.resident.name[1:] in body
    for secret in (
        case.resident.name,
        case.resident.household.address,
        case.resident.id_number,
        case.resident.phone,
        "前进村",
    ):
        assert secret not in body
    response = client.post(link, {"temperature": "36.6"})
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.source, checkin.by, checkin.slot, checkin.date) == ("self", None, 1, D)
    assert "36.6" not in client.get(link).content.decode()  # already recorded, form gone
    response = client.post(link, {"temperature": "41.9"})
    assert response.status_code == 400  # the slot is taken


def test_self_report_rejects_a_bad_temperature_with_a_message(client, link, clock):
    clock.set(local(D, 8))
    response = client.post(link, {"temperature": "3.65"})
    assert response.status_code == 400
    assert "35.0" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_self_report_is_rate_limited(client, link, clock):
    clock.set(local(D, 8))
    for _ in range(10):
        assert client.post(link, {"temperature": "99"}).status_code == 400
    assert client.post(link, {"temperature": "36.5"}).status_code == 429
    assert not CheckIn.objects.exists()


def test_self_report_dies_at_release_and_when_reissued(client, users, case, link, clock):
    client.force_login(users["cadre"])
    newer = client.post(reverse("monitoring:case_link", args=[case.pk])).context["url"]
    client.logout()
    assert client.get(link).status_code == 404  # the old link stopped working
    newer = newer[newer.index("/r/") :]
    assert client.get(newer).status_code == 200
    clock.set(local(case.planned_end, 9))
    services.case_release(by=users["doctor"], case=case)
    response = client.get(newer)
    assert response.status_code == 404
    given = case.resident.name[1:]
    assert (
        f">{given}<" not in response.content.decode()
        and case.resident.name not in response.content.decode()
    )
    assert client.post(newer, {"temperature": "36.5"}).status_code == 404


def test_unknown_link_is_404(client, db):
    assert client.get("/r/not-a-token/").status_code == 404
    assert client.get("/r/" + "x" * 100 + "/").status_code == 404


def test_junk_from_one_address_does_not_shut_the_link(client, link, clock):
    clock.set(local(D, 8))
    for _ in range(25):
        client.post(link, {"temperature": "99"}, REMOTE_ADDR="203.0.113.7")
    assert client.post(link, {"temperature": "36.5"}, REMOTE_ADDR="198.51.100.1").status_code == 302
    assert CheckIn.objects.count() == 1


def test_case_list_filter_renders_only_the_results_for_htmx(client, users, case):
    client.force_login(users["cadre"])
    response = client.get(
        reverse("monitoring:case_list"),
        {"category": "returnee"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="results"')
    assert case.resident.name in body


def test_page_text_is_chinese_by_default(client, users, case):
    client.force_login(users["cadre"])
    body = client.get(reverse("monitoring:today")).content.decode()
    assert "未处置预警" in body and "重点人员" in body


def test_self_report_is_rate_limited_per_address_across_links(
    client, users, tree, case, link, clock
):
    other = open_case(by=users["cadre"], area=tree["qianjin_g2"], start=D)
    client.force_login(users["cadre"])
    second = client.post(reverse("monitoring:case_link", args=[other.pk])).context["url"]
    client.logout()
    second = second[second.index("/r/") :]
    clock.set(local(D, 8))
    for _ in range(10):
        client.post(link, {"temperature": "x"}, REMOTE_ADDR="10.0.0.9")
    assert client.post(second, {"temperature": "36.5"}, REMOTE_ADDR="10.0.0.9").status_code == 429
    assert client.post(second, {"temperature": "36.5"}, REMOTE_ADDR="10.0.0.10").status_code == 302


def test_case_detail_runs_a_constant_number_of_queries(client, users, case, clock):
    client.force_login(users["cadre"])
    url = reverse("monitoring:case_detail", args=[case.pk])
    services.checkin_record(case=case, by=users["cadre"], temperature="38.0", day=D, slot=1)
    few = _queries(client, url)
    clock.set(local(D + dt.timedelta(days=3), 21))
    for day in range(1, 4):
        for slot in (1, 2):
            services.checkin_record(
                case=case,
                by=users["doctor"],
                temperature="37.9",
                day=D + dt.timedelta(days=day),
                slot=slot,
            )
    services.case_extend(by=users["cadre"], case=case, days=3, reason="发热")
    client.force_login(users["cadre"])  # the session is dated by the moved clock too
    assert _queries(client, url) == few


def test_today_only_my_people(client, users, tree, case, clock):
    other = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)  # nobody responsible
    clock.set(local(D, 9))
    client.force_login(users["doctor"])
    due = client.get(reverse("monitoring:today")).context["due"]
    assert {c.pk for c in due} == {case.pk, other.pk}
    due = client.get(reverse("monitoring:today"), {"mine": "1"}).context["due"]
    assert [c.pk for c in due] == [case.pk]


# --- from the resident's page --------------------------------------------------------------


def test_resident_page_offers_to_open_a_case_to_writers_only(client, users, tree, clock):
    from fangkong.monitoring.tests.factories import resident_in

    clock.set(local(D, 9))
    resident = resident_in(tree["qianjin_g1"], name="钱返乡")
    page = reverse("registry:resident_detail", args=[resident.pk])
    form_url = f"{reverse('monitoring:case_create')}?resident={resident.pk}"
    client.force_login(users["cadre"])
    assert form_url in client.get(page).content.decode()
    response = client.get(form_url)
    assert response.status_code == 200
    assert response.context["picked"] == resident
    assert response.context["form"].initial["resident"] == resident.pk

    client.force_login(users["viewer"])
    response = client.get(page)
    assert response.status_code == 200 and form_url not in response.content.decode()
    assert client.get(form_url).status_code == 403


def test_case_form_with_another_villages_resident_is_404(client, users, tree):
    from fangkong.monitoring.tests.factories import resident_in

    other = resident_in(tree["qianjin_g1"])
    client.force_login(users["stranger"])
    response = client.get(reverse("monitoring:case_create"), {"resident": other.pk})
    assert response.status_code == 404


def test_resident_page_shows_the_case_status_in_one_query(client, users, tree, clock):
    from fangkong.monitoring.tests.factories import resident_in

    clock.set(local(D, 9))
    client.force_login(users["grid_worker"])
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    other = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    services.case_end_early(by=users["cadre"], case=other, reason="排除")
    without_case = resident_in(tree["qianjin_g1"])

    def get(resident):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("registry:resident_detail", args=[resident.pk]))
        assert response.status_code == 200
        return response.content.decode(), len(queries)

    html, with_open = get(case.resident)
    assert reverse("monitoring:case_detail", args=[case.pk]) in html
    assert str(Status.ACTIVE.label) in html
    assert f"{reverse('monitoring:case_create')}?resident=" not in html  # open: no second one
    html, with_ended = get(other.resident)
    assert str(Status.ENDED_EARLY.label) in html
    assert f"?resident={other.resident.pk}" in html  # closed: a new case may be opened
    html, none = get(without_case)
    assert 'id="observation"' not in html
    assert with_open == with_ended == none
