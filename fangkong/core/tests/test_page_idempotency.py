"""A form sent twice from a page that records field work — a double tap, a resend when the
connection dropped after the write — is written once (``core.idempotency``): errands, care visits,
check-ins (one or a batch), cases, household visits, passages at the desk, gatherings, disinfection
records, venue checks, publicity, inspections and points adjustments. The second send is taken to
where the first went, with a note; the same key with other content is refused (422), nothing
written. Every such page puts the hidden key in its form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from fangkong.care.models import Errand
from fangkong.checkpoints.models import Passage
from fangkong.checkpoints.tests.factories import make_checkpoint, staff_in
from fangkong.monitoring.models import CheckIn, ObservationCase
from fangkong.monitoring.tests.factories import local, open_case, resident_in
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory
from fangkong.screening.models import HouseholdVisit
from fangkong.screening.tests.factories import RoundFactory

D = dt.date(2020, 2, 1)
KEY = re.compile(r'<input type="hidden" name="idempotency_key" value="([0-9a-f]{32})">')


def _key(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    found = KEY.findall(page.content.decode())
    assert found, f"{url}: its form has no idempotency key"
    return found[-1]


def _twice(client, url: str, data: dict, page: str = "") -> tuple:
    key = _key(client, page or url)
    first = client.post(url, {**data, "idempotency_key": key})
    again = client.post(url, {**data, "idempotency_key": key}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    return key, first, again


def _assert_once(client, first, again) -> None:
    assert first.status_code == 302, getattr(first, "content", b"")[:500]
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert "已经提交过" in client.get(again["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").text


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


def test_an_errand_sent_twice_is_one_errand(client, users, tree, clock):
    clock.set(local(D, 9))
    household = HouseholdFactory(area=tree["qianjin_g1"])
    client.force_login(users["grid_worker"])
    data = {
        "household": household.pk,
        "kind": "gas_water",
        "details": "换液化气",
        "source": "phone",
    }
    url = reverse("care:errand_create")
    key, first, again = _twice(client, url, data, page=f"{url}?household={household.pk}")
    _assert_once(client, first, again)
    assert Errand.objects.count() == 1
    other = client.post(
        reverse("care:errand_create"),
        {**data, "details": "买米", "idempotency_key": key},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert other.status_code == 422 and "已用于另一个请求" in other.text
    assert Errand.objects.count() == 1


def test_a_check_in_sent_twice_is_one_check_in(client, users, case, clock):
    clock.set(local(D, 9))
    client.force_login(users["grid_worker"])
    url = reverse("monitoring:checkin_create", args=[case.pk])
    _key_, first, again = _twice(client, url, {"date": D, "slot": 1, "temperature": "36.6"})
    _assert_once(client, first, again)
    assert CheckIn.objects.filter(case=case).count() == 1


def test_a_batch_of_temperatures_sent_twice_is_saved_once(client, users, case, clock):
    clock.set(local(D, 8))
    client.force_login(users["grid_worker"])
    url = reverse("monitoring:checkin_batch")
    _key_, first, again = _twice(client, url, {f"t-{case.pk}": "36.4"})
    _assert_once(client, first, again)
    assert CheckIn.objects.filter(case=case).count() == 1


def test_a_case_opened_twice_is_one_case(client, users, tree, clock):
    clock.set(local(D, 9))
    resident = resident_in(tree["qianjin_g1"], name="赵返乡")
    client.force_login(users["cadre"])
    data = {
        "resident": resident.pk,
        "category": "returnee",
        "mode": "home",
        "start_date": D,
        "doctor": users["doctor"].pk,
        "source": "manual",
    }
    url = reverse("monitoring:case_create")
    _key_, first, again = _twice(client, url, data, page=f"{url}?resident={resident.pk}")
    _assert_once(client, first, again)
    assert ObservationCase.objects.filter(resident=resident).count() == 1


def test_a_household_visit_sent_twice_is_one_visit(client, users, tree, clock):
    clock.set(local(D, 9))
    screening_round = RoundFactory(area=tree["township"], created_by=users["township"])
    household = HouseholdFactory(area=tree["qianjin_g1"])
    ResidentFactory(household=household)
    client.force_login(users["grid_worker"])
    url = reverse(
        "screening:visit_create",
        kwargs={"pk": screening_round.pk, "household_pk": household.pk},
    )
    data = {"visited_on": D.isoformat(), "method": "door", "outcome": "nobody_home"}
    _key_, first, again = _twice(client, url, data)
    _assert_once(client, first, again)
    assert HouseholdVisit.objects.filter(household=household).count() == 1


def test_a_passage_sent_again_after_the_repeat_window_is_still_one(client, tree, clock):
    """The desk already takes a repeat within two minutes as the same passage; a resend that
    arrives later (the phone retried after the connection came back) is caught by its key."""
    clock.set(local(D, 9))
    checkpoint = make_checkpoint(tree["qianjin"])
    client.force_login(staff_in(tree["qianjin"]))
    url = reverse("checkpoints:desk", args=[checkpoint.pk])
    data = {
        "direction": "in",
        "subject": "vehicle",
        "plate": "湘E 12345",
        "vehicle_type": "truck",
        "people": "2",
        "travel_from": "长沙",
        "temperature": "36.5",
        "outcome": "turned_back",
    }
    key = _key(client, url)
    first = client.post(url, {**data, "idempotency_key": key})
    clock.set(local(D, 9, 10))
    again = client.post(url, {**data, "idempotency_key": key}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    _assert_once(client, first, again)
    assert Passage.objects.count() == 1
    # without the key (a new form), ten minutes later it is a new passage, as it should be
    assert client.post(url, data).status_code == 302
    assert Passage.objects.count() == 2


@pytest.mark.parametrize(
    ("role", "name"),
    [
        ("grid_worker", "monitoring:checkin_batch"),
        ("cadre", "measures:gathering_create"),
        ("cadre", "measures:publicity_create"),
        ("township", "measures:inspection_create"),
        ("cadre", "measures:venue_create"),
    ],
)
def test_every_field_write_page_carries_a_key(client, users, clock, role, name):
    clock.set(local(D, 8))
    client.force_login(users[role])
    assert _key(client, reverse(name))
