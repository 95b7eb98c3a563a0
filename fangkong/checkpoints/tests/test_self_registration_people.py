"""Issue 15 (left over): the visitor's own phone lists the other people in the car, so the queue at
the barrier only checks them. Their names, phones and ID numbers are stored encrypted with the
self-registration (names too), checked with a Chinese error naming the seat, never shown in full at
the desk, and taken into the passage's occupants when the desk form carries their names."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from fangkong.checkpoints.models import Passage, PreRegistration
from fangkong.checkpoints.tests.factories import make_checkpoint, staff_in
from fangkong.screening.tests.factories import RiskAreaFactory

CAR = {
    "direction": "in",
    "subject": "vehicle",
    "plate": "鄂A12345",
    "people": "1",  # the visitor forgot to count: the people listed are counted
    "name": "司机甲",
    "phone": "13912345670",
    "travel_from": "湖北省武汉市",
    "destination": "前进村",
    "occ-2-name": "乘客乙",
    "occ-2-phone": "13912345671",
    "occ-3-name": "乘客丙",
    "occ-3-id_number": "",
    "occ-4-name": "",
}


@pytest.fixture
def checkpoint(tree):
    return make_checkpoint(tree["qianjin"])


@pytest.fixture
def wuhan(db):
    return RiskAreaFactory(name="武汉市", level="city", code="420100000000")


def test_the_visitor_lists_the_car_and_the_desk_only_checks_them(client, tree, checkpoint, wuhan):
    link = f"/k/{checkpoint.register_token}/"
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'name="occ-2-name"' in page and 'name="occ-5-phone"' in page
    assert "同车其他人员" in page
    assert client.post(link, CAR).status_code == 200
    pre = PreRegistration.objects.get()
    assert pre.people == 3
    assert [p["name"] for p in pre.other_people] == ["乘客乙", "乘客丙"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT others FROM checkpoints_preregistration WHERE id = %s", [pre.pk])
        stored = cursor.fetchone()[0]
    assert "乘客乙" not in stored and "13912345671" not in stored  # encrypted whole

    client.force_login(staff_in(tree["qianjin"]))
    desk = reverse("checkpoints:desk", args=[checkpoint.pk])
    waiting = client.get(desk, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已填同车2人" in waiting and "乘客乙" not in waiting
    form = client.get(f"{desk}?pre={pre.pk}").content.decode()
    assert 'name="occ-2-name" value="乘客乙"' in form and 'name="occ-3-name" value="乘客丙"' in form
    assert "13912345671" not in form  # the numbers stay on the server
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
        "occ-2-temperature": "36.6",
        "occ-3-name": "乘客丙",
        "occ-3-phone": "13912345672",  # had no phone on the visitor's list: the desk adds it
        "occ-3-temperature": "36.4",
    }
    response = client.post(desk, post)
    assert response.status_code == 302, response.content.decode()
    people = list(Passage.objects.get().occupants.order_by("position"))
    assert [(o.name, o.phone) for o in people] == [
        ("司机甲", "13912345670"),
        ("乘客乙", "13912345671"),  # typed on the visitor's phone
        ("乘客丙", "13912345672"),
    ]


def test_a_bad_number_names_the_seat_and_nothing_is_stored(client, checkpoint):
    link = f"/k/{checkpoint.register_token}/"
    bad = {**CAR, "occ-2-phone": "1391234", "occ-3-name": "", "occ-3-id_number": "110101"}
    response = client.post(link, bad, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="others-errors"' in page and "第2人" in page and "第3人" in page
    assert "第3人：缺姓名" in page  # the missing name, said in Chinese with its seat
    assert 'value="乘客乙"' in page  # what was typed is kept on the visitor's own phone
    assert not PreRegistration.objects.exists()


def test_a_person_on_foot_lists_nobody(client, checkpoint):
    link = f"/k/{checkpoint.register_token}/"
    on_foot = {**CAR, "subject": "person", "plate": ""}
    assert client.post(link, on_foot).status_code == 200
    pre = PreRegistration.objects.get()
    assert pre.other_people == [] and pre.people == 1
