"""A grid worker at the door, on a phone: nobody home at one household, a returnee at the next.

Elements are found by name, id and href, never by visible text (the UI may be in either language).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory
from fangkong.screening.models import HouseholdVisit, PersonCheck
from fangkong.screening.tests.factories import RiskAreaFactory, RoundFactory

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_grid_worker_screens_two_households(page: Page, tree, grid_worker) -> None:
    RiskAreaFactory(name="武汉市", level="city", code="420100000000")
    township = UserFactory(username="township", role=Role.TOWNSHIP_OFFICER, area=tree["township"])
    today = timezone.localdate()
    screening_round = RoundFactory(
        area=tree["township"], created_by=township, started_on=today - dt.timedelta(days=3)
    )
    empty = HouseholdFactory(area=tree["qianjin_g1"], head_name="李空户", address="前进村一组1号")
    ResidentFactory(household=empty, name="李空户")
    home = HouseholdFactory(area=tree["qianjin_g1"], head_name="王返乡", address="前进村一组2号")
    head = ResidentFactory(household=home, name="王返乡")
    ResidentFactory(household=home, name="王小妹")
    list_path = f"/screening/{screening_round.pk}/unvisited/"

    log_in(page, grid_worker.username)
    page.goto(list_path)
    households = page.locator("#unvisited")
    empty_link = households.locator(f'a[href="/screening/{screening_round.pk}/visit/{empty.pk}/"]')
    home_link = households.locator(f'a[href="/screening/{screening_round.pk}/visit/{home.pk}/"]')
    expect(empty_link).to_be_visible()

    # Nobody home: one tap, and the household stays on the list, marked.
    empty_link.click()
    page.locator("form.nobody-home button[name=outcome][value=nobody_home]").click()
    page.wait_for_url(re.compile(re.escape(list_path) + "$"))
    expect(empty_link.locator(".tag")).to_be_visible()

    # The next household: both at home, the head came back from 武汉 with a cough.
    home_link.click()
    form = page.locator("#visit-form")
    expect(form.locator(f"input[name=r{head.pk}-at_home]")).to_be_checked()
    form.locator(f"fieldset:has(input[name=r{head.pk}-at_home]) details summary").click()
    form.locator(f"input[name=r{head.pk}-travel_from]").fill("湖北武汉")
    form.locator(f"input[name=r{head.pk}-returned_on]").fill(
        (today - dt.timedelta(days=5)).isoformat()
    )
    form.locator(f"input[name=r{head.pk}-cough]").check()
    form.locator("button[name=outcome][value=visited]").click()
    page.wait_for_url(re.compile(re.escape(list_path) + "$"))
    expect(home_link).to_have_count(0)
    expect(empty_link).to_be_visible()

    visit = HouseholdVisit.objects.get(household=home)
    assert visit.outcome == "visited" and visit.by == grid_worker
    check = PersonCheck.objects.get(visit=visit, resident=head)
    assert check.via_risk_area and check.cough and check.origin_name == "湖北省武汉市"
    assert PersonCheck.objects.filter(visit=visit).count() == 2
