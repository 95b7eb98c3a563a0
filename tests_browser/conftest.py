"""Fixtures for the browser tests.

Chromium is Debian's (``/usr/bin/chromium``); Playwright never downloads a browser. The live
server runs in a thread of this process while Playwright's sync API keeps an event loop in the
main thread, so Django's async-safety check must be off (``make browser-test`` sets it too).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, Page, Playwright, sync_playwright  # noqa: E402

from fangkong.accounts.models import Role  # noqa: E402
from fangkong.accounts.tests.factories import PASSWORD, UserFactory  # noqa: E402
from fangkong.areas.models import Area  # noqa: E402
from fangkong.areas.tests.factories import build_tree  # noqa: E402

CHROMIUM = os.environ.get("FANGKONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
VENDOR = Path(__file__).resolve().parent.parent / "fangkong" / "static" / "vendor"


def pytest_configure(config: pytest.Config) -> None:
    # The live server serves static files from the finders; WhiteNoise's STATIC_ROOT
    # (var/staticfiles, made by collectstatic) is not needed and need not exist.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    if not (VENDOR / "htmx.min.js").exists():
        pytest.fail("fangkong/static/vendor is empty: run `make assets`")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _office_hour(steady_clock) -> None:
    """Every browser test runs at a plain office hour (the clock plugin's ``steady_clock``,
    ticking; the live server's thread shares this process's clock), not at the hour CI starts:
    a doctor's batch of morning temperatures was refused at 00:48 in Shanghai (the morning
    check-in not open yet), so the test failed only when CI ran between 16:00 and 22:00 UTC.
    Chromium keeps the real clock; the session and CSRF cookies carry Max-Age, which it
    prefers to their dates."""


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A fresh phone-sized browser context (no cookies) per test; base URL is the live server."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def tree(transactional_db) -> dict[str, Area]:
    """county 双清区 → 火车站乡 → 前进村 (grids 01, 02) and 白云村 (grid 01)."""
    return build_tree()


@pytest.fixture
def grid_worker(tree):
    return UserFactory(username="grid_worker", role=Role.GRID_WORKER, area=tree["qianjin_g1"])


@pytest.fixture
def stranger(tree):
    return UserFactory(username="stranger", role=Role.VILLAGE_CADRE, area=tree["baiyun"])


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/accounts/login/")
    form = page.locator("main form[method=post]")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
