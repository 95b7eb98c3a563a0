"""A field day on a 360×740 phone in zh-CN: a doctor's temperatures on one screen, the desk with a
car from 武汉, a pass of an observed person's household, every role's today page, and the weight
and speed of the field pages on a weak link.

Elements are found by name, id and href, never by visible text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.checkpoints import services as checkpoint_services
from fangkong.checkpoints.models import Checkpoint, Passage
from fangkong.core.clock import today_local
from fangkong.monitoring.models import Alert, CheckIn, Mode, ObservationPolicy
from fangkong.monitoring.tests.factories import open_case
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory
from fangkong.screening.tests.factories import RiskAreaFactory

from .conftest import log_in

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
# The emulated weak link: Chrome DevTools' "Fast 3G" preset (562.5 ms round trip, 180 KB/s down,
# 84 KB/s up), cache off. The live server sends the static files uncompressed (WhiteNoise
# compresses them in production), so the weights here are the upper bound.
WEAK_LINK = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 180 * 1024,
    "uploadThroughput": 84 * 1024,
}
MAX_BYTES = 150 * 1024
MAX_DCL_MS = 2500


@pytest.fixture
def phone(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(
        viewport=SMALL_PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def people(tree):
    # The live server's database is flushed between tests: the 2020 policy is made again.
    ObservationPolicy.objects.get_or_create(
        effective_from=dt.date(2020, 1, 1), defaults={"name": "2020"}
    )
    users = {
        "cadre": UserFactory(username="cadre", role=Role.VILLAGE_CADRE, area=tree["qianjin"]),
        "doctor": UserFactory(username="doctor", role=Role.DOCTOR, area=tree["qianjin"]),
        "grid_worker": UserFactory(
            username="grid_worker", role=Role.GRID_WORKER, area=tree["qianjin_g1"]
        ),
        "checkpoint_staff": UserFactory(
            username="staff", role=Role.CHECKPOINT_STAFF, area=tree["qianjin"]
        ),
        "township": UserFactory(
            username="township", role=Role.TOWNSHIP_OFFICER, area=tree["township"]
        ),
        "county_admin": UserFactory(username="county", role=Role.COUNTY_ADMIN, area=tree["county"]),
    }
    return users


@pytest.fixture
def checkpoint(tree) -> Checkpoint:
    return Checkpoint.objects.create(
        area=tree["qianjin"], name="前进村东口", kind="village_entrance"
    )


def _five_cases(people, tree):
    start = today_local() - dt.timedelta(days=2)
    return [
        open_case(by=people["cadre"], area=tree["qianjin_g1"], start=start, doctor=people["doctor"])
        for _ in range(5)
    ]


def test_a_doctor_enters_five_temperatures_on_one_screen(phone: Page, people, tree) -> None:
    cases = _five_cases(people, tree)
    log_in(phone, "doctor")
    phone.goto("/monitoring/batch/?slot=1")
    rows = phone.locator("#batch-form li.batch-row")
    expect(rows).to_have_count(5)
    for case, value in zip(cases, ["36.5", "36.7", "37.6", "36.4", "36.9"], strict=True):
        phone.locator(f"#t-{case.pk}").fill(value)
    phone.locator("#batch-form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/monitoring/batch/\?slot=1"))
    expect(phone.locator("#batch-form li.batch-row")).to_have_count(0)
    assert CheckIn.objects.filter(slot=1, date=today_local()).count() == 5
    alert = Alert.objects.get(kind="fever")
    assert alert.case == cases[2]
    expect(phone.locator(".flash-warning")).to_contain_text(cases[2].resident.name)


def test_the_desk_with_a_car_from_wuhan_requires_its_occupants(
    phone: Page, people, checkpoint
) -> None:
    RiskAreaFactory(
        name="武汉市", level="city", code="420100000000", valid_from=dt.date(2020, 1, 1)
    )
    log_in(phone, "staff")
    phone.goto(f"/checkpoints/{checkpoint.pk}/")
    form = phone.locator("#passage-form")
    # Plate and outcome above the fold at 360×740.
    for selector in ("input[name=plate]", "button[name=outcome][value=allowed]"):
        form.locator("input[name=subject][value=vehicle]").check()
        box = form.locator(selector).bounding_box()
        assert box is not None and box["y"] + box["height"] <= SMALL_PHONE["height"], selector
    form.locator("input[name=plate]").fill("鄂A12345")
    form.locator("input[name=people]").fill("3")
    form.locator("input[name=travel_from]").fill("湖北武汉")
    form.locator("input[name=temperature]").click()  # leaving the field asks the server
    expect(phone.locator("#risk-warning")).to_be_visible()  # before any outcome is pressed
    expect(phone.locator("fieldset.occupant")).to_have_count(3)
    form.locator("button[name=outcome][value=allowed]").click()
    expect(phone.locator("#desk-errors")).to_be_visible()
    box = phone.locator("#desk-errors").bounding_box()
    assert box is not None and box["y"] < SMALL_PHONE["height"]
    assert not Passage.objects.exists()
    for seat in (1, 2, 3):
        phone.locator(f"input[name=occ-{seat}-name]").fill(f"乘客{seat}")
        phone.locator(f"input[name=occ-{seat}-phone]").fill(f"1391234560{seat}")
        phone.locator(f"input[name=occ-{seat}-temperature]").fill("36.6")
    # The page is already at the desk's URL (the refusal re-rendered it): wait for the new page.
    with phone.expect_navigation():
        phone.locator("#passage-form button[name=outcome][value=allowed]").click()
    errors = phone.locator("#desk-errors")
    assert errors.count() == 0, errors.inner_text()
    passage = Passage.objects.get()
    assert passage.via_risk_area and passage.occupants.count() == 3
    assert set(passage.occupants.values_list("outcome", flat=True)) == {"referred"}


def test_a_pass_of_an_observed_persons_household_is_refused(
    phone: Page, people, tree, checkpoint
) -> None:
    household = HouseholdFactory(area=tree["qianjin_g1"])
    observed = ResidentFactory(household=household, name="王建国")
    wife = ResidentFactory(household=household, name="李秀英")
    day = today_local()
    open_case(by=people["cadre"], resident=observed, start=day, mode=Mode.HOME)
    household_pass = checkpoint_services.pass_issue(
        by=people["cadre"], household=household, valid_from=day, valid_until=day
    )
    log_in(phone, "staff")
    phone.goto(f"/checkpoints/{checkpoint.pk}/")
    scan = phone.locator("#scan-form")
    scan.locator("input[name=code]").fill(household_pass.number)
    scan.locator("input[name=direction][value=out]").check()
    scan.locator("button[type=submit]").click()
    expect(phone.locator("#desk-errors")).to_contain_text("王某")
    expect(phone.locator(f'#scan-form input[name=holder][value="{observed.pk}"]')).to_have_count(0)
    assert not Passage.objects.exists()
    phone.locator(f'#scan-form input[name=holder][value="{wife.pk}"]').check()
    phone.locator("#scan-form button[type=submit]").click()
    phone.wait_for_url(re.compile(rf"/checkpoints/{checkpoint.pk}/$"))
    assert Passage.objects.get().resident == wife


@pytest.mark.parametrize(
    "username", ["grid_worker", "doctor", "staff", "cadre", "township", "county"]
)
def test_every_roles_home_page_is_its_today_page(phone: Page, people, tree, username) -> None:
    _five_cases(people, tree)
    log_in(phone, username)
    phone.goto("/")
    expect(phone.locator("#today")).to_be_visible()
    expect(phone.locator("section.today-section").first).to_be_visible()
    # The phone menu is short: the rest is behind "more", and the page starts above the fold.
    assert phone.locator("header .menu > li > a").count() <= 4
    box = phone.locator("#today").bounding_box()
    assert box is not None and box["y"] < 200
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"]


def test_field_pages_are_light_and_quick_on_a_weak_link(
    phone: Page, people, tree, checkpoint, capsys
) -> None:
    _five_cases(people, tree)
    log_in(phone, "doctor")
    pages = {"doctor": ["/", "/monitoring/", "/monitoring/batch/?slot=1"]}
    session = phone.context.new_cdp_session(phone)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    session.send("Network.emulateNetworkConditions", WEAK_LINK)
    figures = []

    def measure(url: str) -> tuple[int, float]:
        sizes: list[int] = []

        def on_loading_finished(event: dict) -> None:
            sizes.append(int(event.get("encodedDataLength", 0)))

        session.on("Network.loadingFinished", on_loading_finished)
        phone.goto(url, wait_until="load")
        dcl = phone.evaluate(
            "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
        session.remove_listener("Network.loadingFinished", on_loading_finished)
        return sum(sizes), float(dcl)

    for url in pages["doctor"]:
        figures.append((url, *measure(url)))
    # The desk, as checkpoint staff (a new login in the same emulated context).
    session.send(
        "Network.emulateNetworkConditions",
        {**WEAK_LINK, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    phone.context.clear_cookies()
    log_in(phone, "staff")
    session.send("Network.emulateNetworkConditions", WEAK_LINK)
    for url in ["/", f"/checkpoints/{checkpoint.pk}/"]:
        figures.append((url, *measure(url)))
    with capsys.disabled():
        for url, size, dcl in figures:
            print(f"\nweak link: {url} {size / 1024:.1f} KB, DOMContentLoaded {dcl:.0f} ms")
    for url, size, dcl in figures:
        assert size <= MAX_BYTES, (url, size)
        assert dcl <= MAX_DCL_MS, (url, dcl)
