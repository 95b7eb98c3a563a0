"""A county administrator sets up part of the county on a phone-sized screen: imports a tree file
in the NBS layout, corrects a mistyped village code, creates a village cadre, who then logs in with
the one-time password and chooses their own.

Elements are found by name, id and href, never by visible text (the UI may be in either language).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fangkong.accounts.models import Role, User
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Area

from .conftest import log_in

pytestmark = pytest.mark.browser

CODES = (
    "统计用区划代码,城乡分类代码,名称\n"
    "430502006000,,新华乡\n"
    "430502006201,220,新华村委会\n"
    "430502006292,220,红旗村委会\n"  # mistyped: 430502006202
    "4305020062,220,短码村\n"  # refused: wrong length
)


def test_county_admin_imports_corrects_and_creates_a_cadre_who_logs_in(page: Page, tree) -> None:
    admin = UserFactory(username="county_admin", role=Role.COUNTY_ADMIN, area=tree["county"])
    log_in(page, admin.username)

    # Import: upload, preview (3 to create, 1 refused), apply.
    page.goto("/areas/import/")
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "codes.csv", "mimeType": "text/csv", "buffer": CODES.encode()}]
    )
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator("#import-figures")).to_be_visible()
    expect(page.locator("#import-errors tbody tr")).to_have_count(1)
    expect(page.locator("#import-plan tbody tr")).to_have_count(3)
    assert not Area.objects.filter(code="430502006000").exists()
    page.locator("#apply").click()
    page.wait_for_url(re.compile(r"/areas/$"))
    village = Area.objects.get(code="430502006292")
    assert village.name == "红旗村委会" and village.parent.code == "430502006000"

    # Open the new township in the tree (loaded when opened), then correct the village's code.
    township = Area.objects.get(code="430502006000")
    node = page.locator(f"#area-{township.pk} > details")
    node.locator("summary").click()
    expect(page.locator(f"#area-{village.pk}")).to_be_visible()
    page.locator(f'#area-{village.pk} a[href="/areas/{village.pk}/"]').click()
    page.wait_for_url(re.compile(rf"/areas/{village.pk}/$"))
    code_form = page.locator("#code form")
    code_form.locator("input[name=code]").fill("430502006202")
    code_form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/areas/\?open={village.pk}#area-{village.pk}$"))
    expect(page.locator(f"#area-{village.pk}")).to_be_visible()
    village.refresh_from_db()
    assert village.code == "430502006202"
    assert village.path == "430502000000/430502006000/430502006202/"

    # A village cadre for it, with a one-time password shown once.
    page.goto("/accounts/users/new/")
    form = page.locator("main form[method=post]")
    form.locator("input[name=username]").fill("hongqi_cadre")
    form.locator("input[name=first_name]").fill("红旗村支书")
    form.locator("input[name=phone]").fill("13912345678")
    form.locator("select[name=role]").select_option(Role.VILLAGE_CADRE)
    form.locator("select[name=area]").select_option(str(village.pk))
    form.locator("button[type=submit]").click()
    password = page.locator("#one-time-password").inner_text().strip()
    assert len(password) == 14
    cadre = User.objects.get(username="hongqi_cadre")
    assert cadre.area == village and cadre.must_change_password

    # The cadre logs in on their own phone, must choose a password, then sees the village's today page.
    page.context.clear_cookies()
    log_in(page, "hongqi_cadre", password)
    page.wait_for_url(re.compile(r"/accounts/password/$"))
    form = page.locator("main form[method=post]")
    form.locator("input[name=old_password]").fill(password)
    form.locator("input[name=new_password1]").fill("hongqi-2020-mine")
    form.locator("input[name=new_password2]").fill("hongqi-2020-mine")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/password/done/$"))
    page.goto("/")
    # Home is the cadre's today page, in the village's name.
    expect(page.locator("main h1")).to_contain_text("今日")
    expect(page.locator("main")).to_contain_text("红旗村委会")
    cadre.refresh_from_db()
    assert not cadre.must_change_password
