"""At the barrier, on a phone: checkpoint staff turn a vehicle back; a resident registers on
their own phone through the checkpoint's QR link and staff confirm them in one tap.

Elements are found by name, id and href, never by visible text (the UI may be in either language).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.checkpoints.models import Checkpoint, Passage, PreRegistration

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def checkpoint(tree) -> Checkpoint:
    return Checkpoint.objects.create(
        area=tree["qianjin"], name="前进村东口", kind="village_entrance"
    )


@pytest.fixture
def staff(tree):
    return UserFactory(username="staff", role=Role.CHECKPOINT_STAFF, area=tree["qianjin"])


def test_staff_turn_a_vehicle_back(page: Page, checkpoint, staff) -> None:
    log_in(page, staff.username)
    page.goto("/checkpoints/")
    page.locator(f'#checkpoints a[href="/checkpoints/{checkpoint.pk}/"]').click()
    form = page.locator("#passage-form")
    form.locator("input[name=direction][value=in]").check()
    form.locator("input[name=subject][value=vehicle]").check()
    form.locator("input[name=plate]").fill("湘e·d12345")
    form.locator("details.more summary").click()  # the rarely typed fields, below the outcomes
    form.locator("select[name=vehicle_type]").select_option("truck")
    form.locator("input[name=people]").fill("3")
    form.locator("input[name=travel_from]").fill("长沙")
    form.locator("input[name=purpose]").fill("探亲")
    form.locator("input[name=temperature]").fill("36.6")
    form.locator("button[name=outcome][value=turned_back]").click()
    page.wait_for_url(re.compile(rf"/checkpoints/{checkpoint.pk}/$"))
    passage = Passage.objects.get()
    expect(page.locator(f'#recent li[data-passage="{passage.pk}"]')).to_contain_text("湘ED12345")
    assert (passage.plate, passage.people, passage.outcome, passage.vehicle_type) == (
        "湘ED12345",
        3,
        "turned_back",
        "truck",
    )
    assert passage.by == staff
    # The whole page fits a phone: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_a_resident_self_registers_and_staff_confirm(
    page: Page, browser, checkpoint, staff, live_server
) -> None:
    # The resident's own phone: no account, the link of the poster.
    visitor = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        base_url=live_server.url,
    )
    phone = visitor.new_page()
    phone.goto(f"/k/{checkpoint.register_token}/")
    form = phone.locator("#self-form")
    form.locator("input[name=direction][value=in]").check()
    form.locator("input[name=name]").fill("李自登")
    form.locator("input[name=phone]").fill("139 1234 5678")
    form.locator("input[name=travel_from]").fill("湖南长沙")
    form.locator("input[name=purpose]").fill("回家")
    form.locator("button[type=submit]").click()
    code = phone.locator("#code")
    expect(code).to_have_text(re.compile(r"^\d{4}$"))
    shown = code.inner_text()
    visitor.close()
    pre = PreRegistration.objects.get()
    assert pre.code == shown and pre.phone == "13912345678" and pre.passage is None

    # Staff at the barrier see the entry by its code, take the temperature, confirm.
    log_in(page, staff.username)
    page.goto(f"/checkpoints/{checkpoint.pk}/")
    entry = page.locator(f'#pending li[data-pre="{pre.pk}"]')
    expect(entry).to_contain_text(shown)
    entry.locator("input[name=temperature]").fill("36.4")
    entry.locator("button[name=confirm]").click()
    page.wait_for_url(re.compile(rf"/checkpoints/{checkpoint.pk}/$"))
    expect(page.locator(f'#pending li[data-pre="{pre.pk}"]')).to_have_count(0)
    pre.refresh_from_db()
    assert pre.passage is not None
    assert (pre.passage.source, pre.passage.name, str(pre.passage.temperature)) == (
        "self",
        "李自登",
        "36.4",
    )
    expect(page.locator(f'#recent li[data-passage="{pre.passage.pk}"]')).to_be_visible()


def test_a_driver_lists_the_car_on_a_small_phone_and_the_desk_has_their_names(
    page: Page, browser, checkpoint, staff, live_server
) -> None:
    """360 px wide, zh-CN: the other people of the car fold out under the form, each row fits the
    screen; the desk form then has their names in the seats (their numbers stay on the server)."""
    visitor = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        base_url=live_server.url,
    )
    phone = visitor.new_page()
    phone.goto(f"/k/{checkpoint.register_token}/")
    form = phone.locator("#self-form")
    form.locator("input[name=direction][value=in]").check()
    form.locator("input[name=subject][value=vehicle]").check()
    form.locator("input[name=plate]").fill("湘A12345")
    form.locator("input[name=name]").fill("王司机")
    form.locator("input[name=phone]").fill("13912345678")
    form.locator("input[name=travel_from]").fill("湖南长沙")
    form.locator("#others summary").click()
    row = form.locator('fieldset.occupant[data-seat="2"]')
    expect(row.locator("input[name=occ-2-name]")).to_be_visible()
    box = row.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360
    row.locator("input[name=occ-2-name]").fill("王乘客")
    row.locator("input[name=occ-2-phone]").fill("13912345679")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    form.locator("button[type=submit]").click()
    expect(phone.locator("#code")).to_have_text(re.compile(r"^\d{4}$"))
    visitor.close()
    pre = PreRegistration.objects.get()
    assert pre.people == 2 and pre.other_people[0]["phone"] == "13912345679"

    log_in(page, staff.username)
    page.goto(f"/checkpoints/{checkpoint.pk}/?pre={pre.pk}")
    expect(page.locator("input[name=occ-2-name]")).to_have_value("王乘客")
    assert "13912345679" not in page.content()
