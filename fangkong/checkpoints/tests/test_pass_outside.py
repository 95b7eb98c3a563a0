"""A household pass at a checkpoint outside its village: verified, never used up, the head's
surname only; its printed number finds nothing there (only the unguessable QR code does)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from fangkong.checkpoints import services
from fangkong.checkpoints.models import Passage
from fangkong.checkpoints.tests.factories import make_checkpoint, staff_in
from fangkong.monitoring.tests.factories import local, resident_in


@pytest.fixture
def household_pass(users, tree):
    resident = resident_in(tree["qianjin_g1"], name="王买菜")
    resident.household.head_name = "王大明"
    resident.household.save()
    return services.pass_issue(
        by=users["cadre"],
        household=resident.household,
        valid_from=dt.date(2020, 2, 1),
        valid_until=dt.date(2020, 2, 14),
        holders=[resident],
        uses_allowed=1,
        every_days=2,
    )


@pytest.fixture
def baiyun(tree):
    """白云村's gate and its volunteer: the same county, another village."""
    return make_checkpoint(tree["baiyun"], name="白云村口"), staff_in(tree["baiyun"], "by_staff")


def test_the_token_is_random_and_the_number_not_sequential(users, tree, household_pass):
    second = services.pass_issue(
        by=users["cadre"],
        household=household_pass.household,
        valid_from=dt.date(2020, 2, 1),
        valid_until=dt.date(2020, 2, 14),
    )
    assert len(household_pass.token) >= 16 and household_pass.token != second.token
    assert int(second.number[-6:]) != int(household_pass.number[-6:]) + 1


def test_another_village_verifies_but_never_uses_the_pass(household_pass, baiyun, tree, clock):
    checkpoint, volunteer = baiyun
    clock.set(local(dt.date(2020, 2, 3), 9))
    for _ in range(3):
        with pytest.raises(ValidationError) as error:
            services.pass_scan(
                by=volunteer, checkpoint=checkpoint, code=household_pass.token, direction="out"
            )
        [message] = error.value.message_dict["code"]
        assert "王某" in message and "2020-02-14" in message and "前进村" in message
        assert "王大明" not in message and "王买菜" not in message
    assert not Passage.objects.exists()
    verification = services.pass_verify(
        by=volunteer, checkpoint=checkpoint, code=household_pass.token
    )
    assert verification.valid and not verification.home and verification.household_head == "王某"
    # the family's allowance is untouched: at home it lets them out
    home = make_checkpoint(tree["qianjin"])
    passage = services.pass_scan(
        by=staff_in(home.area), checkpoint=home, code=household_pass.number, direction="out"
    )
    assert passage.household_pass == household_pass


def test_outside_its_village_the_printed_number_finds_nothing(household_pass, baiyun, clock):
    checkpoint, volunteer = baiyun
    clock.set(local(dt.date(2020, 2, 3), 9))
    with pytest.raises(ValidationError) as error:
        services.pass_verify(by=volunteer, checkpoint=checkpoint, code=household_pass.number)
    assert "code" in error.value.message_dict


def test_the_api_verifies_and_the_scan_refuses_with_the_reason(household_pass, baiyun, clock):
    checkpoint, volunteer = baiyun
    clock.set(local(dt.date(2020, 2, 3), 9))
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(volunteer)
    body = {"checkpoint": checkpoint.pk, "code": household_pass.token}
    verified = api.post("/api/v1/passes/verify/", body)
    assert verified.status_code == 200
    assert verified.json() == {
        "valid": True,
        "problem": "",
        "village": "前进村",
        "household_head": "王某",
        "valid_until": "2020-02-14",
        "rule": household_pass.rule_text(),
        "home": False,
    }
    scanned = api.post("/api/v1/passes/scan/", {**body, "direction": "out"})
    assert scanned.status_code == 400 and "只核验" in scanned.json()["code"][0]
    assert not Passage.objects.exists()
    # the pass itself and its QR page stay out of the stranger's reach
    assert api.get(f"/api/v1/passes/{household_pass.pk}/").status_code == 404
    assert (
        api.post("/api/v1/passes/verify/", {**body, "code": household_pass.number}).status_code
        == 400
    )


def test_the_desk_scan_says_why_and_records_nothing(client, household_pass, baiyun, clock):
    checkpoint, volunteer = baiyun
    clock.set(local(dt.date(2020, 2, 3), 9))
    client.force_login(volunteer)
    response = client.post(
        f"/checkpoints/{checkpoint.pk}/scan/",
        {"code": household_pass.token, "direction": "out"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    body = response.content.decode()
    assert response.status_code == 400 and "王某" in body and "王大明" not in body
    assert client.get(f"/p/{household_pass.token}/").status_code == 404
    assert not Passage.objects.exists()
