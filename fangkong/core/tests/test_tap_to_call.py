"""Tap-to-call (issue 15): wherever a full phone number is shown to someone allowed to see it, it
is a ``tel:`` link; a masked number (``138****5678``) is never a link."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from fangkong.care.tests.factories import errand_in
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.core.templatetags.phones import tel_href
from fangkong.monitoring import services as monitoring
from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.workforce.tests.factories import make_worker

TEL = re.compile(r'href="(tel:[^"]*)"')


def _tels(body: str) -> list[str]:
    hrefs = TEL.findall(body)
    assert all("*" not in h for h in hrefs), hrefs  # a masked number is no link
    return hrefs


def test_only_a_full_number_is_dialable():
    assert tel_href("0739-555 1234") == "tel:07395551234"
    assert tel_href("+86 13907391234") == "tel:+8613907391234"
    assert tel_href("139****1234") == "" and tel_href("") == "" and tel_href("王五") == ""


@pytest.fixture
def household(tree):
    return HouseholdFactory(area=tree["qianjin_g1"], phone="13907390001")


def test_a_revealed_household_phone_is_a_link_the_masked_one_is_not(client, users, household):
    client.force_login(users["grid_worker"])
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "139****0001" in page and _tels(page) == []
    revealed = client.post(reverse("registry:reveal", args=["household", household.pk, "phone"]))
    assert _tels(revealed.content.decode()) == ["tel:13907390001"]


def test_the_errand_shows_the_households_phone_to_reveal_and_call(client, users, tree, household):
    errand = errand_in(tree["qianjin_g1"], by=users["grid_worker"], household=household)
    client.force_login(users["grid_worker"])
    page = client.get(reverse("care:errand_detail", args=[errand.pk])).content.decode()
    assert "139****0001" in page and _tels(page) == []
    assert reverse("registry:reveal", args=["household", household.pk, "phone"]) in page


def test_a_colleagues_phone_for_who_organises_the_duty(client, users, tree):
    worker = make_worker(tree["qianjin"], "值守甲")
    worker.phone = "13907390002"
    worker.save()
    url = reverse("workforce:worker_detail", args=[worker.pk])
    client.force_login(users["cadre"])
    assert _tels(client.get(url).content.decode()) == ["tel:13907390002"]
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL, field="phone").count() == 1
    client.force_login(users["grid_worker"])  # reads the worker, does not organise the duty
    page = client.get(url)
    if page.status_code == 200:
        body = page.content.decode()
        assert "13907390002" not in body and _tels(body) == []
    client.force_login(users["stranger"])
    assert client.get(url).status_code == 404


def test_the_villages_number_on_the_help_page_and_the_roll_up(client, users, tree):
    monitoring.village_help_set(
        by=users["cadre"], village=tree["qianjin"], phone="0739-5551234", fever_advice=""
    )
    client.force_login(users["cadre"])
    page = client.get(reverse("monitoring:village_help", args=[tree["qianjin"].pk]))
    assert _tels(page.content.decode()) == ["tel:07395551234"]
