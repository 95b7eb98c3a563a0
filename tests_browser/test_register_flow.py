"""A grid worker at the door, on a phone: find a household, add a resident, fix a bad ID number.

Elements are found by name, id, href and role, never by visible text: the UI may be in Chinese
or English.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fangkong.registry.models import Resident
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number

from .conftest import log_in

pytestmark = pytest.mark.browser


def wrong_check_digit(number: str) -> str:
    """The same number with a check character that cannot be right."""
    bad = "0" if number[-1] != "0" else "1"
    return number[:-1] + bad


def test_grid_worker_adds_resident_and_corrects_id_number(page: Page, tree, grid_worker) -> None:
    grid = tree["qianjin_g1"]
    household = HouseholdFactory(area=grid, head_name="王建国", address="前进村一组12号")
    ResidentFactory(household=household, name="王建国")
    other = HouseholdFactory(area=grid, head_name="赵春花", address="前进村一组15号")
    detail_path = f"/register/households/{household.pk}/"
    new_resident_path = f"/register/households/{household.pk}/residents/new/"
    id_number = make_id_number(sex="F")

    log_in(page, grid_worker.username)

    # The household list, then a search by the head's name (htmx swaps the results in).
    page.goto("/register/households/")
    assert page.evaluate("typeof window.htmx") == "object", "htmx was not served"
    results = page.locator("#results")
    expect(results.locator(f'a[href="/register/households/{other.pk}/"]')).to_be_visible()
    search = page.locator("form[role=search] input[name=q]")
    search.fill("王建国")
    search.press("Enter")
    expect(results.locator(f'a[href="/register/households/{other.pk}/"]')).to_have_count(0)
    results.locator(f'a[href="{detail_path}"]').click()
    page.wait_for_url(re.compile(re.escape(detail_path) + "$"))

    # Add a resident, first with a wrong check digit.
    page.locator(f'a[href="{new_resident_path}"]').click()
    page.wait_for_url(re.compile(re.escape(new_resident_path) + "$"))
    form = page.locator("main form[method=post]")
    form.locator("#id_name").fill("王小梅")
    form.locator("#id_id_type").select_option("resident_id")
    form.locator("#id_id_number").fill(wrong_check_digit(id_number))
    form.locator("button[type=submit]").click()

    error = page.locator("ul.errorlist#id_id_number_error")
    expect(error).to_be_visible()
    expect(error.locator("li")).to_have_count(1)
    # The message sits beside the ID field: just below it on the phone screen.
    field_box = form.locator("#id_id_number").bounding_box()
    error_box = error.bounding_box()
    assert field_box is not None and error_box is not None
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 80
    assert page.url.endswith(new_resident_path)
    assert not Resident.objects.filter(name="王小梅").exists()

    # Corrected: saved, back on the household page.
    form.locator("#id_id_number").fill(id_number)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(detail_path) + "$"))

    masked = id_number[:4] + "*" * 10 + id_number[-4:]
    residents = page.locator("#residents")
    new_row = residents.locator("li").filter(has_text="王小梅")
    expect(new_row).to_have_count(1)
    expect(new_row.locator(".id-masked")).to_have_text(masked)
    assert id_number not in page.locator("body").inner_text()
    assert id_number not in page.content()

    resident = Resident.objects.get(name="王小梅")
    assert resident.household_id == household.pk
    assert resident.id_number == id_number

    # Page weight: the household page on a phone loads no chart library.
    assert page.locator("script[src*=echarts]").count() == 0


def test_other_village_gets_404_for_household(page: Page, tree, stranger) -> None:
    household = HouseholdFactory(area=tree["qianjin_g1"], head_name="王建国")

    log_in(page, stranger.username)
    response = page.goto(f"/register/households/{household.pk}/")

    assert response is not None
    assert response.status == 404
    assert "王建国" not in page.content()
