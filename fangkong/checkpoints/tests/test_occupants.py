"""Every person in a car: occupants with their own ID, phone, temperature and outcome; a car from
a risk area needs them all; a registration sent twice is one passage; the figures count people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.checkpoints import services
from fangkong.checkpoints.figures import checkpoint_figures
from fangkong.checkpoints.models import Outcome, Passage, PassageOccupant
from fangkong.checkpoints.services import OccupantDetails
from fangkong.checkpoints.tests.factories import make_checkpoint, person, staff_in, vehicle
from fangkong.monitoring.models import ObservationCase
from fangkong.monitoring.tests.factories import local, resident_in
from fangkong.registry.tests.factories import make_id_number
from fangkong.screening.tests.factories import RiskAreaFactory

D = dt.date(2020, 2, 3)


@pytest.fixture
def checkpoint(tree):
    return make_checkpoint(tree["qianjin"])


@pytest.fixture
def staff(tree):
    return staff_in(tree["qianjin"])


@pytest.fixture
def wuhan(db):
    return RiskAreaFactory(name="武汉市", level="city", code="420100000000")


def _five(overrides=None):
    overrides = overrides or {}
    people = [
        OccupantDetails(name=f"乘客{i}", phone=f"1391234567{i}", temperature="36.5")
        for i in range(5)
    ]
    for seat, values in overrides.items():
        for key, value in values.items():
            setattr(people[seat], key, value)
    return people


def test_a_car_of_five_from_a_risk_area_counts_five_people(staff, checkpoint, wuhan, clock, tree):
    clock.set(local(D, 10))
    with pytest.raises(ValidationError) as refused:  # three people, no names: not let in
        services.passage_register(
            by=staff,
            checkpoint=checkpoint,
            details=vehicle(people=3, travel_from="湖北省武汉市"),
            outcome=Outcome.ALLOWED,
        )
    assert "武汉" in refused.value.message_dict["occupants"][0]
    with pytest.raises(ValidationError):  # turned back needs them too
        services.passage_register(
            by=staff,
            checkpoint=checkpoint,
            details=vehicle(people=3, travel_from="湖北省武汉市"),
            outcome=Outcome.TURNED_BACK,
        )
    with pytest.raises(ValidationError) as no_phone:
        services.passage_register(
            by=staff,
            checkpoint=checkpoint,
            details=vehicle(
                people=5, travel_from="湖北省武汉市", occupants=_five({2: {"phone": ""}})
            ),
            outcome=Outcome.ALLOWED,
        )
    assert "3" in no_phone.value.message_dict["occupants"][0]
    assert not Passage.objects.exists()

    id_number = make_id_number(birth=dt.date(1990, 1, 1), seq=12)
    known = resident_in(tree["qianjin_g1"], id_number=id_number)
    passage = services.passage_register(
        by=staff,
        checkpoint=checkpoint,
        details=vehicle(
            people=5,
            travel_from="湖北省武汉市",
            occupants=_five({1: {"temperature": "38.2"}, 3: {"id_number": id_number}}),
        ),
        outcome=Outcome.ALLOWED,
    )
    assert passage.people == 5 and passage.via_risk_area and passage.occupants_listed
    outcomes = list(passage.occupants.order_by("position").values_list("outcome", flat=True))
    # The fever decides for its person (clinic); the risk origin refers the others.
    assert outcomes == ["referred", "fever_clinic", "referred", "referred", "referred"]
    seat4 = passage.occupants.get(position=4)
    assert seat4.resident == known and seat4.id_masked.startswith("4305")
    assert seat4.id_number == id_number  # decrypted on read, stored encrypted
    f = checkpoint_figures(tree["township"], D)
    assert (f.vehicles, f.people_in, f.people_out) == (1, 4, 0)
    assert (f.referred, f.fever_clinic, f.fevers, f.turned_back) == (4, 1, 1, 0)
    assert f.risk_arrivals == 5


def test_a_fever_in_one_occupant_is_never_let_through(staff, checkpoint, clock):
    clock.set(local(D, 10))
    with pytest.raises(ValidationError) as refused:
        services.passage_register(
            by=staff,
            checkpoint=checkpoint,
            details=vehicle(
                people=2,
                occupants=[
                    OccupantDetails(name="甲", temperature="36.4"),
                    OccupantDetails(name="乙", temperature="37.8", outcome="allowed"),
                ],
            ),
            outcome=Outcome.ALLOWED,
        )
    assert "37.8" in refused.value.message_dict["occupants"][0]


def test_a_turned_back_car_counts_its_people_turned_back(staff, checkpoint, clock, tree):
    clock.set(local(D, 10))
    services.passage_register(
        by=staff, checkpoint=checkpoint, details=vehicle(people=3), outcome=Outcome.TURNED_BACK
    )
    services.passage_register(
        by=staff,
        checkpoint=checkpoint,
        details=person(direction="out", name="张三"),
        outcome=Outcome.ALLOWED,
    )
    f = checkpoint_figures(tree["qianjin"], D)
    assert (f.vehicles, f.turned_back, f.people_in, f.people_out, f.people) == (1, 3, 0, 1, 1)
    assert checkpoint_figures(tree["baiyun"], D).turned_back == 0


def test_a_referred_occupant_gets_a_proposed_case(users, checkpoint, clock, tree, wuhan):
    clock.set(local(D, 10))
    known = resident_in(tree["qianjin_g1"])
    services.passage_register(
        by=users["cadre"],
        checkpoint=checkpoint,
        details=vehicle(
            people=2,
            travel_from="武汉",
            occupants=[
                OccupantDetails(name="司机", phone="13912345678"),
                OccupantDetails(name=known.name, phone="13912345679", id_number=known.id_number),
            ],
        ),
        outcome=Outcome.ALLOWED,
    )
    case = ObservationCase.objects.get(resident=known)
    assert case.status == "proposed" and case.category == "returnee"
    assert PassageOccupant.objects.get(resident=known).case == case


def test_a_registration_repeated_seconds_later_is_one_passage(staff, checkpoint, clock, tree):
    clock.set(local(D, 10))
    first = services.passage_register(
        by=staff, checkpoint=checkpoint, details=vehicle(people=2), outcome=Outcome.ALLOWED
    )
    clock.set(local(D, 10) + dt.timedelta(seconds=20))
    again = services.passage_register(
        by=staff, checkpoint=checkpoint, details=vehicle(people=2), outcome=Outcome.ALLOWED
    )
    assert again.pk == first.pk and again.repeated and not first.repeated
    # The same plate going the other way, or later, is another crossing.
    services.passage_register(
        by=staff,
        checkpoint=checkpoint,
        details=vehicle(people=2, direction="out"),
        outcome=Outcome.ALLOWED,
    )
    clock.set(local(D, 10, 30))
    services.passage_register(
        by=staff, checkpoint=checkpoint, details=vehicle(people=2), outcome=Outcome.ALLOWED
    )
    id_number = make_id_number(birth=dt.date(1980, 5, 5), seq=77)
    one = services.passage_register(
        by=staff, checkpoint=checkpoint, details=person(id_number=id_number), outcome="allowed"
    )
    two = services.passage_register(
        by=staff, checkpoint=checkpoint, details=person(id_number=id_number), outcome="allowed"
    )
    assert one.pk == two.pk
    assert Passage.objects.count() == 4
    f = checkpoint_figures(tree["qianjin"], D)
    assert (f.vehicles, f.people_in, f.people_out) == (3, 5, 2)


def test_the_desk_warns_and_takes_the_occupants(client, staff, checkpoint, wuhan, clock):
    clock.set(local(D, 10))
    client.force_login(staff)
    check = client.get(
        reverse("checkpoints:desk_check", args=[checkpoint.pk]),
        {"subject": "vehicle", "people": "3", "travel_from": "武汉"},
    )
    page = check.content.decode()
    assert 'id="risk-warning"' in page and "武汉" in page
    assert page.count('class="occupant"') == 3
    data = {
        "direction": "in",
        "subject": "vehicle",
        "plate": "鄂A12345",
        "people": "3",
        "travel_from": "武汉",
        "outcome": "allowed",
    }
    url = reverse("checkpoints:desk", args=[checkpoint.pk])
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="desk-errors"' in page and page.index("desk-errors") < page.index("passage-form")
    rows = {}
    for seat in (1, 2, 3):
        rows[f"occ-{seat}-name"] = f"人{seat}"
        rows[f"occ-{seat}-phone"] = f"1391234560{seat}"
        rows[f"occ-{seat}-temperature"] = "36.6"
    response = client.post(url, {**data, **rows})
    assert response.status_code == 302
    passage = Passage.objects.get()
    assert passage.occupants.count() == 3 and passage.people == 3
    again = client.post(url, {**data, **rows}, follow=True)
    assert "不重复计数" in again.content.decode() or "not counted twice" in again.content.decode()
    assert Passage.objects.count() == 1


def test_the_api_takes_occupants_and_masks_them(users, staff, checkpoint, wuhan, clock):
    clock.set(local(D, 10))
    api = APIClient()
    api.force_authenticate(staff)
    id_number = make_id_number(birth=dt.date(1990, 3, 3), seq=5)
    body = {
        "checkpoint": checkpoint.pk,
        "direction": "in",
        "subject": "vehicle",
        "plate": "鄂A54321",
        "people": 2,
        "travel_from": "武汉",
        "outcome": "allowed",
        "notes": f"乘客身份证 {id_number} 电话 13912345678",
        "occupants": [
            {"name": "甲", "phone": "13912345601", "id_number": id_number, "temperature": "36.5"},
            {"name": "乙", "phone": "13912345602", "temperature": "38.0"},
        ],
    }
    response = api.post("/api/v1/passages/", body, format="json")
    assert response.status_code == 201, response.content
    text = response.content.decode()
    assert id_number not in text and "13912345601" not in text and "13912345678" not in text
    data = response.json()
    assert [o["outcome"] for o in data["occupants"]] == ["referred", "fever_clinic"]
    assert data["occupants"][0]["phone_masked"] == "139****5601"
    assert data["repeated"] is False
    again = api.post("/api/v1/passages/", body, format="json")
    assert again.status_code == 200 and again.json()["repeated"] is True
    assert Passage.objects.count() == 1
    listed = api.get("/api/v1/passages/").content.decode()
    assert id_number not in listed and "13912345678" not in listed
    api.force_authenticate(users["stranger"])
    assert api.get("/api/v1/passages/").json()["count"] == 0
    api.force_authenticate(users["viewer"])
    assert api.post("/api/v1/passages/", body, format="json").status_code == 403
