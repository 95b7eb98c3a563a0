"""Issue 15: the printed self-report sheet (name, house, report hours, number to call), the batch
print of an area's active cases in house-number order, and what a resident reporting a fever sees
and whom to call, set per village on a page by the village cadre."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.core.models import AuditEvent
from fangkong.monitoring import services
from fangkong.monitoring.models import VillageHelp
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory

D = dt.date(2020, 2, 1)


@pytest.fixture
def cases(users, tree, clock):
    clock.set(local(D, 7))
    made = []
    for address in ("前进村1组10号", "前进村1组2号", "前进村2组1号"):
        resident = ResidentFactory(
            household=HouseholdFactory(area=tree["qianjin_g1"], address=address)
        )
        made.append(open_case(by=users["cadre"], resident=resident, start=D))
    return made


def _set_help(users, tree, phone="0739-5551234", advice="请马上在家隔离，等村医上门。"):
    return services.village_help_set(
        by=users["cadre"], village=tree["qianjin"], phone=phone, fever_advice=advice
    )


def test_the_sheet_says_whose_it_is_when_to_report_and_whom_to_call(client, users, tree, cases):
    _set_help(users, tree)
    client.force_login(users["cadre"])
    case = cases[0]
    response = client.post(reverse("monitoring:case_link", args=[case.pk]))
    body = response.content.decode()
    assert case.resident.name in body and "前进村1组10号" in body
    assert case.policy.slot_label(1) in body and case.policy.slot_label(2) in body  # 早 06:00–12:00
    assert 'href="tel:07395551234"' in body and "<svg" in body and "data-print" in body
    assert "<script" not in body.split("<main", 1)[1]  # CSP: no inline script


def test_batch_print_issues_every_active_cases_link_in_house_order(client, users, tree, cases):
    _set_help(users, tree)
    url = reverse("monitoring:case_sheets")
    client.force_login(users["grid_worker"])  # his grid: the default area
    assert client.get(url).context["count"] == 3
    assert client.get(url, {"area": tree["qianjin"].pk}).status_code == 404  # above his grid
    client.force_login(users["cadre"])
    page = client.get(url, {"area": tree["qianjin"].pk})
    assert page.status_code == 200 and page.context["count"] == 3
    before = AuditEvent.objects.count()
    response = client.post(url, {"area": tree["qianjin"].pk, "per_page": "4"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="sheet"') == 3 and 'class="sheets per-4"' in body
    assert re.findall(r"前进村\d组\d+号", body) == ["前进村1组2号", "前进村1组10号", "前进村2组1号"]
    links = re.findall(r"<code>(http[^<]+)</code>", body)
    assert len(set(links)) == 3
    assert AuditEvent.objects.count() == before + 3  # one per link issued
    # every printed link works
    client.logout()
    for link in links:
        assert client.get(link[link.index("/r/") :]).status_code == 200


def test_batch_print_refuses_strangers_and_readers(client, users, tree, cases):
    url = reverse("monitoring:case_sheets")
    client.force_login(users["stranger"])
    assert client.get(url, {"area": tree["qianjin"].pk}).status_code == 404
    assert client.post(url, {"area": tree["qianjin"].pk}).status_code == 404
    client.force_login(users["viewer"])
    assert client.post(url, {"area": tree["qianjin"].pk}).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def _link(client, users, case):
    client.force_login(users["cadre"])
    url = client.post(reverse("monitoring:case_link", args=[case.pk])).context["url"]
    client.logout()
    return url[url.index("/r/") :]


def test_a_fever_shows_the_villages_advice_and_number(client, users, tree, cases, clock):
    _set_help(users, tree)
    link = _link(client, users, cases[0])
    clock.set(local(D, 8))
    normal = client.get(link).content.decode()
    assert "fever-advice" not in normal and 'href="tel:07395551234"' in normal
    client.post(link, {"temperature": "37.3"})
    body = client.get(link + "?ok=1").content.decode()
    assert 'id="fever-advice"' in body and "请马上在家隔离，等村医上门。" in body
    assert 'href="tel:07395551234"' in body and "37.3" in body


def test_without_a_setting_the_standard_advice_and_the_doctors_phone(
    client, users, tree, cases, clock
):
    users["doctor"].phone = "13907391234"
    users["doctor"].save()
    link = _link(client, users, cases[1])
    clock.set(local(D, 13))
    client.post(link, {"temperature": "38.1"})
    body = client.get(link).content.decode()
    assert 'id="fever-advice"' in body and "发热门诊" in body
    assert 'href="tel:13907391234"' in body


def test_the_village_cadre_sets_it_on_a_page(client, users, tree):
    url = reverse("monitoring:village_help", args=[tree["qianjin"].pk])
    client.force_login(users["cadre"])
    assert client.get(reverse("monitoring:my_village_help")).url == url
    page = client.get(url).content.decode()
    assert "发热门诊" in page  # the standard advice shown until one is written
    bad = client.post(url, {"phone": "12ab", "fever_advice": ""})
    assert bad.status_code == 200 and "只能" in bad.content.decode()  # only digits
    assert not VillageHelp.objects.exists()
    assert (
        client.post(url, {"phone": "0739 5551234", "fever_advice": "待在家里。"}).status_code == 302
    )
    saved = VillageHelp.objects.get()
    assert (saved.area, saved.fever_advice, saved.updated_by) == (
        tree["qianjin"],
        "待在家里。",
        users["cadre"],
    )
    assert saved.phone.replace("-", "") == "07395551234"
    client.force_login(users["stranger"])
    assert client.get(url).status_code == 404
    staff = UserFactory(username="desk", role=Role.CHECKPOINT_STAFF, area=tree["qianjin"])
    client.force_login(staff)  # in the village, but not one who manages monitoring
    assert client.get(url).status_code == 403
    assert client.post(url, {"phone": "", "fever_advice": "x"}).status_code == 403
    client.force_login(users["viewer"])
    assert client.get(url).status_code == 403
