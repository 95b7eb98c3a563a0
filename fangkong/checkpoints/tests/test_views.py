"""Checkpoint pages and API: the owner can, a stranger gets 404, the viewer 403 on writes,
anonymous is sent to log in; the public self-registration is rate-limited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.checkpoints import services
from fangkong.checkpoints.models import Passage, PreRegistration
from fangkong.checkpoints.tests.factories import make_checkpoint, person, staff_in
from fangkong.checkpoints.views import SELF_REGISTRATION_PER_ADDRESS
from fangkong.monitoring.tests.factories import resident_in


@pytest.fixture
def checkpoint(tree):
    return make_checkpoint(tree["qianjin"])


@pytest.fixture
def staff(tree):
    return staff_in(tree["qianjin"])


VEHICLE_TURNED_BACK = {
    "direction": "in",
    "subject": "vehicle",
    "plate": "湘E 12345",
    "vehicle_type": "truck",
    "people": "2",
    "travel_from": "长沙",
    "temperature": "36.5",
    "outcome": "turned_back",
}


def test_staff_register_a_vehicle_turned_back(client, staff, checkpoint):
    client.force_login(staff)
    desk = reverse("checkpoints:desk", args=[checkpoint.pk])
    assert client.get(desk).status_code == 200
    response = client.post(desk, VEHICLE_TURNED_BACK)
    assert response.status_code == 302
    passage = Passage.objects.get()
    assert (passage.plate, passage.people, passage.outcome) == ("湘E12345", 2, "turned_back")
    page = client.get(desk).content.decode()
    assert "湘E12345" in page


def test_a_bad_plate_shows_a_message_on_the_field(client, staff, checkpoint):
    client.force_login(staff)
    response = client.post(
        reverse("checkpoints:desk", args=[checkpoint.pk]), {**VEHICLE_TURNED_BACK, "plate": "123"}
    )
    assert response.status_code == 400
    assert 'id="id_plate_error"' in response.content.decode()
    assert not Passage.objects.exists()


def test_a_stranger_gets_404_and_the_viewer_403(client, users, checkpoint):
    desk = reverse("checkpoints:desk", args=[checkpoint.pk])
    client.force_login(users["stranger"])
    assert client.get(desk).status_code == 404
    assert client.post(desk, VEHICLE_TURNED_BACK).status_code == 404
    client.force_login(users["viewer"])
    assert client.get(desk).status_code == 200
    assert client.post(desk, VEHICLE_TURNED_BACK).status_code == 403
    client.logout()
    assert client.get(desk).status_code == 302
    assert not Passage.objects.exists()


def test_the_list_shows_staff_on_duty_and_todays_figures(client, staff, checkpoint):
    services.passage_register(
        by=staff, checkpoint=checkpoint, details=person(), outcome="turned_back"
    )
    client.force_login(staff)
    page = client.get(reverse("checkpoints:list")).content.decode()
    assert checkpoint.name in page


def test_the_poster_carries_the_self_registration_link(client, users, checkpoint):
    client.force_login(users["cadre"])
    page = client.get(reverse("checkpoints:poster", args=[checkpoint.pk])).content.decode()
    assert f"/k/{checkpoint.register_token}/" in page and "<svg" in page
    old = checkpoint.register_token
    client.post(reverse("checkpoints:poster", args=[checkpoint.pk]))
    checkpoint.refresh_from_db()
    assert checkpoint.register_token != old
    assert client.get(f"/k/{old}/").status_code == 404


def test_a_visitor_self_registers_without_an_account_and_staff_confirm(client, staff, checkpoint):
    link = f"/k/{checkpoint.register_token}/"
    assert client.get(link).status_code == 200
    response = client.post(
        link,
        {
            "direction": "in",
            "subject": "person",
            "name": "访客",
            "phone": "139 1234 5678",
            "travel_from": "长沙",
        },
    )
    assert response.status_code == 200
    pre = PreRegistration.objects.get()
    assert pre.code in response.content.decode() and pre.phone == "13912345678"
    client.force_login(staff)
    desk = reverse("checkpoints:desk", args=[checkpoint.pk])
    assert pre.code in client.get(desk).content.decode()
    client.post(
        reverse("checkpoints:pending_confirm", args=[checkpoint.pk, pre.pk]),
        {"temperature": "36.6", "outcome": "allowed"},
    )
    pre.refresh_from_db()
    assert pre.passage is not None and pre.passage.source == "self"


def test_self_registration_rejects_bad_input_and_is_rate_limited(client, checkpoint):
    link = f"/k/{checkpoint.register_token}/"
    bad = {
        "direction": "in",
        "subject": "person",
        "name": "访客",
        "phone": "123",
        "travel_from": "长沙",
    }
    response = client.post(link, bad)
    assert response.status_code == 400 and 'id="id_phone_error"' in response.content.decode()
    for _ in range(SELF_REGISTRATION_PER_ADDRESS - 1):
        client.post(link, bad)
    assert client.post(link, bad).status_code == 429
    assert not PreRegistration.objects.exists()


def test_junk_from_one_address_does_not_shut_the_poster_for_others(client, checkpoint):
    link = f"/k/{checkpoint.register_token}/"
    junk = {"direction": "in", "subject": "person", "name": "x", "phone": "1"}
    codes = [client.post(link, junk, REMOTE_ADDR="203.0.113.7").status_code for _ in range(20)]
    assert codes == [400] * SELF_REGISTRATION_PER_ADDRESS + [429] * (
        20 - SELF_REGISTRATION_PER_ADDRESS
    )
    visitor = {
        "direction": "in",
        "subject": "person",
        "name": "访客甲",
        "phone": "13800138000",
        "travel_from": "长沙",
    }
    response = client.post(link, visitor, REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 200 and PreRegistration.objects.count() == 1


def test_behind_the_proxy_each_visitor_has_their_own_budget(client, checkpoint, settings):
    """Every request reaches fangkong from the county's proxy; the budget follows the address
    the proxy saw, and a client cannot pick another one by sending the header itself."""
    settings.FANGKONG_TRUSTED_PROXIES = ["10.0.0.0/24"]
    link = f"/k/{checkpoint.register_token}/"
    junk = {"direction": "in", "subject": "person", "name": "x", "phone": "1"}
    via_proxy = {"REMOTE_ADDR": "10.0.0.5"}
    for i in range(SELF_REGISTRATION_PER_ADDRESS + 3):
        # the attacker forges a fresh left-most entry each time: the proxy appends the real one
        forwarded = f"192.0.2.{i}, 203.0.113.7"
        response = client.post(link, junk, HTTP_X_FORWARDED_FOR=forwarded, **via_proxy)
    assert response.status_code == 429
    other = client.post(link, junk, HTTP_X_FORWARDED_FOR="198.51.100.1", **via_proxy)
    assert other.status_code == 400  # another visitor behind the same proxy is served
    # not from the proxy: the header is ignored, the peer's own address is counted
    for _ in range(SELF_REGISTRATION_PER_ADDRESS):
        client.post(link, junk, HTTP_X_FORWARDED_FOR="198.51.100.2", REMOTE_ADDR="192.0.2.50")
    spent = client.post(link, junk, HTTP_X_FORWARDED_FOR="198.51.100.3", REMOTE_ADDR="192.0.2.50")
    assert spent.status_code == 429


def test_an_unknown_or_closed_poster_is_gone(client, checkpoint):
    assert client.get("/k/nothing-here/").status_code == 404
    checkpoint.active = False
    checkpoint.save()
    assert client.get(f"/k/{checkpoint.register_token}/").status_code == 404


def test_a_pass_is_printed_with_a_qr_code_and_checked_by_staff(
    client, users, staff, checkpoint, tree
):
    resident = resident_in(tree["qianjin_g1"])
    client.force_login(users["cadre"])
    today = timezone.localdate()
    response = client.post(
        reverse("checkpoints:pass_create", args=[resident.household.pk]),
        {
            "valid_from": today,
            "valid_until": today + dt.timedelta(days=13),
            "uses_allowed": "1",
            "every_days": "2",
            "rule_note": "买菜",
        },
    )
    assert response.status_code == 302
    household_pass = resident.household.passes.get()
    page = client.get(response["Location"]).content.decode()
    assert household_pass.number in page and f"/p/{household_pass.token}/" in page
    client.force_login(staff)
    check = client.get(f"/p/{household_pass.token}/")
    assert check.status_code == 200
    client.post(
        reverse("checkpoints:scan", args=[checkpoint.pk]),
        {"code": household_pass.number, "direction": "out"},
    )
    assert household_pass.uses.count() == 1
    client.force_login(users["stranger"])
    assert client.get(f"/p/{household_pass.token}/").status_code == 404


def test_the_api_registers_a_passage_for_staff_only(users, staff, checkpoint):
    api = APIClient()
    api.force_authenticate(staff)
    body = {
        "checkpoint": checkpoint.pk,
        "direction": "in",
        "subject": "vehicle",
        "plate": "湘ED12345",
        "people": 2,
        "outcome": "turned_back",
        "phone": "13912345678",
    }
    response = api.post("/api/v1/passages/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["plate"] == "湘ED12345" and data["phone_masked"] == "139****5678"
    assert "phone" not in data
    assert api.post("/api/v1/passages/", {**body, "plate": "ABC"}, format="json").status_code == 400
    api.force_authenticate(users["viewer"])
    assert api.post("/api/v1/passages/", body, format="json").status_code == 403
    api.force_authenticate(users["stranger"])
    assert api.post("/api/v1/passages/", body, format="json").status_code == 400  # not his
    assert api.get("/api/v1/passages/").json()["count"] == 0
    assert Passage.objects.count() == 1
