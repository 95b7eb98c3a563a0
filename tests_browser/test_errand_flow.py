"""On a phone: a resident at home asks for medicine through the personal link, a volunteer takes
the errand, marks it done with the money spent, and the village totals change.

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
from fangkong.care.models import Errand
from fangkong.monitoring import services as monitoring_services
from fangkong.monitoring.models import ObservationPolicy
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory

from .conftest import PHONE, log_in

pytestmark = pytest.mark.browser


def test_resident_asks_volunteer_delivers_totals_change(page: Page, tree) -> None:
    assert page.viewport_size == PHONE
    # The 2020 policy comes with the migrations; the live server's database is flushed between
    # tests, so bring it back if an earlier test removed it.
    ObservationPolicy.objects.get_or_create(
        effective_from=dt.date(2020, 1, 1), defaults={"name": "2020"}
    )
    cadre = UserFactory(username="cadre", role=Role.VILLAGE_CADRE, area=tree["qianjin"])
    volunteer = UserFactory(
        username="volunteer",
        first_name="志愿者小李",
        role=Role.CHECKPOINT_STAFF,
        area=tree["qianjin"],
    )
    household = HouseholdFactory(
        area=tree["qianjin_g1"], head_name="王居家", address="前进村一组8号"
    )
    resident = ResidentFactory(household=household, name="王居家")
    case = monitoring_services.case_open(
        by=cadre,
        resident=resident,
        category="returnee",
        mode="home",
        start_date=timezone.localdate() - dt.timedelta(days=2),
    )
    token = monitoring_services.case_link_issue(by=cadre, case=case)

    # The resident, no account: from the temperature page to the request form.
    page.goto(f"/r/{token}/")
    page.locator("#ask-help").click()
    page.wait_for_url(re.compile(rf"/r/{re.escape(token)}/errand/$"))
    form = page.locator("#errand-form")
    form.locator("input[name=kind][value=medicine]").check()
    form.locator("textarea[name=details]").fill("降压药两盒")
    form.locator("button[type=submit]").click()
    expect(page.locator("#errand-ok")).to_be_visible()
    expect(page.locator("#my-requests")).to_contain_text("降压药两盒")
    errand = Errand.objects.get()
    assert (errand.source, errand.status, errand.household) == ("link", "requested", household)

    # The volunteer: the village totals before, the errand in the list, take it, done, paid 56.50.
    log_in(page, volunteer.username)
    page.goto("/care/errands/totals/")
    expect(page.locator("#total-done")).to_have_text("0")
    expect(page.locator('#village-totals tr[data-village="前进村"]')).to_have_count(0)

    page.goto("/care/errands/")
    page.locator(f'#errands a[data-errand="{errand.pk}"]').click()
    page.wait_for_url(re.compile(rf"/care/errands/{errand.pk}/$"))
    page.locator("form.take button[name=take]").click()
    page.wait_for_url(re.compile(rf"/care/errands/{errand.pk}/$"))
    page.locator("#done-link").click()
    page.locator("input[name=money_spent]").fill("56.50")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/care/errands/{errand.pk}/$"))
    expect(page.locator("#money-spent")).to_have_text("56.50")

    page.goto("/care/errands/totals/")
    row = page.locator('#village-totals tr[data-village="前进村"]')
    expect(row.locator(".done")).to_have_text("1")
    expect(row.locator(".money")).to_have_text("56.50")
    expect(page.locator("#total-done")).to_have_text("1")
    expect(page.locator(f'#person-totals tr[data-person="{volunteer.pk}"] .done')).to_have_text("1")
    errand.refresh_from_db()
    assert (errand.status, errand.assignee, str(errand.money_spent)) == ("done", volunteer, "56.50")

    # Back on the personal link, the resident sees the request done.
    page.goto(f"/r/{token}/errand/")
    expect(page.locator("#my-requests li")).to_have_count(1)
