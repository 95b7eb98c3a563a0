"""The desk's safety rules: a pass never lets an observed person out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangkong.checkpoints import services
from fangkong.checkpoints.models import Passage
from fangkong.checkpoints.tests.factories import make_checkpoint, staff_in
from fangkong.monitoring.models import Mode
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory

D = dt.date(2020, 2, 3)


@pytest.fixture
def checkpoint(tree):
    return make_checkpoint(tree["qianjin"])


@pytest.fixture
def staff(tree):
    return staff_in(tree["qianjin"])


@pytest.fixture
def family(users, tree, clock):
    """A household of three; 王建国 is under home observation until next week."""
    clock.set(local(D, 8))
    household = HouseholdFactory(area=tree["qianjin_g1"])
    observed = ResidentFactory(household=household, name="王建国")
    wife = ResidentFactory(household=household, name="李秀英")
    son = ResidentFactory(household=household, name="王小明")
    open_case(by=users["cadre"], resident=observed, start=D - dt.timedelta(days=5), mode=Mode.HOME)
    household_pass = services.pass_issue(
        by=users["cadre"], household=household, valid_from=D, valid_until=D + dt.timedelta(days=13)
    )
    return household_pass, observed, wife, son


def test_a_pass_refuses_a_household_member_under_observation(staff, checkpoint, family):
    household_pass, observed, wife, son = family
    with pytest.raises(ValidationError) as refused:
        services.pass_scan(
            by=staff, checkpoint=checkpoint, code=household_pass.number, direction="out"
        )
    message = refused.value.message_dict["holder"][0]
    assert "王某" in message and "王建国" not in message  # who is observed, not the whole name
    assert "李秀英" in message and "王小明" in message  # who may use the pass
    with pytest.raises(ValidationError):
        services.pass_scan(
            by=staff,
            checkpoint=checkpoint,
            code=household_pass.number,
            direction="out",
            holder=observed,
        )
    assert not Passage.objects.exists()
    passage = services.pass_scan(
        by=staff, checkpoint=checkpoint, code=household_pass.number, direction="out", holder=wife
    )
    assert passage.name == "李秀英" and passage.resident == wife


def test_a_pass_of_holders_who_are_all_observed_lets_nobody_out(users, staff, checkpoint, clock):
    clock.set(local(D, 8))
    household = HouseholdFactory(area=checkpoint.area)
    only = ResidentFactory(household=household, name="赵一")
    ResidentFactory(household=household, name="赵二")
    open_case(by=users["cadre"], resident=only, start=D, mode=Mode.CENTRALISED)
    household_pass = services.pass_issue(
        by=users["cadre"], household=household, valid_from=D, valid_until=D, holders=[only]
    )
    with pytest.raises(ValidationError) as refused:
        services.pass_scan(
            by=staff, checkpoint=checkpoint, code=household_pass.number, direction="out"
        )
    assert "集中" in refused.value.message_dict["holder"][0]


def test_the_desk_names_who_may_use_the_pass(client, staff, checkpoint, family):
    household_pass, observed, wife, son = family
    client.force_login(staff)
    url = reverse("checkpoints:scan", args=[checkpoint.pk])
    response = client.post(url, {"code": household_pass.number, "direction": "out"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "王某" in page and f'name="holder" value="{wife.pk}"' in page
    assert f'name="holder" value="{observed.pk}"' not in page
    response = client.post(
        url, {"code": household_pass.number, "direction": "out", "holder": observed.pk}
    )
    assert response.status_code == 400 and not Passage.objects.exists()
    response = client.post(
        url, {"code": household_pass.number, "direction": "out", "holder": son.pk}
    )
    assert response.status_code == 302
    assert Passage.objects.get().resident == son
