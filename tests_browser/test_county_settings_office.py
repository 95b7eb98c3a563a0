"""The county's report settings page on an office screen (1366×768, zh-CN), as its county
administrator uses it: every form fits the width (no sideways scrolling), each field is labelled
and reachable, the cut-off is changed with the browser's own time input and kept, and a bad due
time comes back beside its field with nothing saved.

Elements are found by name, id and data attributes, never by visible text."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.reports.models import ReportDeadline

from .conftest import log_in

pytestmark = pytest.mark.browser

OFFICE = {"width": 1366, "height": 768}


def test_the_county_admin_sets_the_cut_off_at_an_office_screen(page: Page, tree) -> None:
    UserFactory(username="county_admin", role=Role.COUNTY_ADMIN, area=tree["county"])
    page.set_viewport_size(OFFICE)
    log_in(page, "county_admin")
    page.goto("/reports/settings/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    # Nothing wider than the screen: no sideways scrolling on an office monitor.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= OFFICE["width"], width
    forms = page.locator("main form[method=post]")
    assert forms.count() == 3  # due times, check-ins and case ends, figures
    for name in ("cutoff", "deadline", "township_deadline", "county_deadline", "slot2_end"):
        field = page.locator(f"main input[name={name}]")
        assert field.is_visible(), name
        box = field.bounding_box()
        assert box is not None and box["x"] + box["width"] <= OFFICE["width"], name
        # each field sits inside its label: a screen reader says what it is
        assert field.evaluate("e => e.closest('label') !== null"), name

    deadlines = page.locator("main form:has(input[name=which][value=deadlines])")
    deadlines.locator("input[name=cutoff]").fill("12:00")
    deadlines.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main input[name=cutoff]").input_value() == "12:00"
    assert ReportDeadline.objects.due_times(tree["county"].pk)["cutoff"] == dt.time(12)

    # A county due time before the village's: named beside the field, nothing saved.
    deadlines = page.locator("main form:has(input[name=which][value=deadlines])")
    deadlines.locator("input[name=county_deadline]").fill("06:00")
    deadlines.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main .errorlist").count() >= 1
    assert ReportDeadline.objects.due_times(tree["county"].pk)["cutoff"] == dt.time(12)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= OFFICE["width"]
