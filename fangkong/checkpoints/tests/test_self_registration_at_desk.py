"""Issue 15: a car from a risk area registered on the driver's phone (the poster's /k/<token>/)
could not be confirmed in one tap (the occupants are required): the desk now offers to finish it
in the desk form, prefilled, keeping the numbers typed on the phone on the server; the passage
made there handles the self-registration."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.checkpoints.models import Passage, PreRegistration
from fangkong.checkpoints.tests.factories import make_checkpoint, staff_in
from fangkong.screening.tests.factories import RiskAreaFactory


@pytest.fixture
def checkpoint(tree):
    return make_checkpoint(tree["qianjin"])


@pytest.fixture
def staff(tree):
    return staff_in(tree["qianjin"])


@pytest.fixture
def wuhan(db):
    return RiskAreaFactory(name="武汉市", level="city", code="420100000000")


def _self_register(client, checkpoint):
    response = client.post(
        f"/k/{checkpoint.register_token}/",
        {
            "direction": "in",
            "subject": "vehicle",
            "plate": "鄂A12345",
            "people": "3",
            "name": "司机甲",
            "phone": "13912345670",
            "id_number": "",
            "travel_from": "湖北省武汉市",
            "destination": "前进村",
        },
    )
    assert response.status_code == 200, response.content.decode()
    return PreRegistration.objects.get()


def test_a_car_from_wuhan_is_finished_in_the_prefilled_desk_form(client, staff, checkpoint, wuhan):
    pre = _self_register(client, checkpoint)
    client.force_login(staff)
    desk = reverse("checkpoints:desk", args=[checkpoint.pk])
    page = client.get(desk).content.decode()
    finish = f"{desk}?pre={pre.pk}"
    assert finish in page  # no one-tap confirm for it: "add the 3 people"
    # A one-tap confirm (an old page) is sent to the same form instead of failing.
    tapped = client.post(
        reverse("checkpoints:pending_confirm", args=[checkpoint.pk, pre.pk]),
        {"temperature": "36.5", "outcome": "allowed"},
    )
    assert tapped.status_code == 302 and tapped.url == finish
    form = client.get(finish).content.decode()
    assert f'name="pre" value="{pre.pk}"' in form and 'id="risk-warning"' in form
    assert 'value="鄂A12345"' in form and 'name="occ-3-name"' in form
    assert 'name="occ-1-name" value="司机甲"' in form
    assert "13912345670" not in form and "139****5670" in form  # the number stays on the server

    post = {
        "pre": pre.pk,
        "direction": "in",
        "subject": "vehicle",
        "plate": "鄂A12345",
        "vehicle_type": "car",
        "people": "3",
        "name": "司机甲",
        "travel_from": "湖北省武汉市",
        "temperature": "36.5",
        "outcome": "allowed",
        "occ-1-name": "司机甲",
        "occ-1-temperature": "36.5",
        "occ-2-name": "乘客乙",
        "occ-2-phone": "13912345671",
        "occ-2-temperature": "36.6",
        "occ-3-name": "乘客丙",
        "occ-3-phone": "",
        "occ-3-temperature": "36.4",
    }
    missing = client.post(desk, post)
    assert missing.status_code == 400 and "3" in missing.content.decode()
    assert not Passage.objects.exists()
    response = client.post(desk, {**post, "occ-3-phone": "13912345672"})
    assert response.status_code == 302, response.content.decode()
    passage = Passage.objects.get()
    pre.refresh_from_db()
    assert pre.passage == passage
    people = list(passage.occupants.order_by("position"))
    assert [o.name for o in people] == ["司机甲", "乘客乙", "乘客丙"]
    assert people[0].phone == "13912345670"  # taken from the phone registration
    assert all(o.via_risk_area for o in people)
    assert pre.code not in client.get(desk).content.decode().split('id="pending"')[1]


def test_a_stranger_cannot_open_or_finish_it(client, tree, checkpoint, wuhan):
    pre = _self_register(client, checkpoint)
    client.force_login(staff_in(tree["baiyun"]))
    desk = reverse("checkpoints:desk", args=[checkpoint.pk])
    assert client.get(f"{desk}?pre={pre.pk}").status_code == 404
    assert client.post(desk, {"pre": pre.pk, "outcome": "allowed"}).status_code == 404
    pre.refresh_from_db()
    assert pre.passage is None


def test_a_single_person_on_foot_keeps_the_one_tap_confirm(client, staff, checkpoint):
    client.post(
        f"/k/{checkpoint.register_token}/",
        {
            "direction": "in",
            "subject": "person",
            "name": "访客",
            "phone": "13912345678",
            "travel_from": "长沙",
        },
    )
    pre = PreRegistration.objects.get()
    client.force_login(staff)
    page = client.get(reverse("checkpoints:desk", args=[checkpoint.pk])).content.decode()
    assert f"?pre={pre.pk}" not in page
    assert reverse("checkpoints:pending_confirm", args=[checkpoint.pk, pre.pk]) in page
