"""Issue 15, "what we will check": every field page on a 360×740 phone in zh-CN weighs at most
150 KB and reaches DOMContentLoaded within 2.5 s on the emulated weak link ("Fast 3G"), fits the
screen's width, and is in Chinese.

The weight is what a phone receives in production: the page as sent, plus each static file as
WhiteNoise sends it there (``CompressedManifestStaticFilesStorage``: gzip, measured here by
compressing the very file). The live server of the tests sends static files uncompressed; that
upper bound is printed too (about 140 KB of it is pico.css + htmx, the same on every page). One login per role, a few pages each: the grid worker's, the
village cadre's (with the self-report sheets and the village's number to call), the checkpoint
staff's desk finishing a car from 武汉 registered on the driver's phone, and the resident's own
self-report page after a fever (no account).

Elements are found by name, id and href, never by visible text.
"""

from __future__ import annotations

import datetime as dt
import gzip
from urllib.parse import urlparse

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import Page

from fangkong.care.tests.factories import errand_in
from fangkong.checkpoints import services as checkpoint_services
from fangkong.checkpoints.services import PassageDetails
from fangkong.monitoring import services as monitoring_services
from fangkong.screening.tests.factories import RiskAreaFactory

from .conftest import log_in
from .test_field_day import (  # noqa: F401 - fixtures used by name
    MAX_BYTES,
    MAX_DCL_MS,
    SMALL_PHONE,
    WEAK_LINK,
    _five_cases,
    checkpoint,
    people,
    phone,
)

pytestmark = pytest.mark.browser

NO_THROTTLE = {**WEAK_LINK, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def _as_in_production(url: str, size: int) -> int:
    """A static file's size gzipped (as WhiteNoise serves it in production); others as sent."""
    path = urlparse(url).path
    if path.startswith("/static/") and (found := finders.find(path.removeprefix("/static/"))):
        with open(found, "rb") as handle:
            return min(size, len(gzip.compress(handle.read(), compresslevel=9)))
    return size


def test_every_field_page_is_light_quick_and_fits_on_a_weak_link(
    phone: Page,  # noqa: F811 - the fixtures imported above
    people,  # noqa: F811
    tree,
    checkpoint,  # noqa: F811
    capsys,
) -> None:
    cases = _five_cases(people, tree)
    village = tree["qianjin"]
    monitoring_services.village_help_set(
        by=people["cadre"], village=village, phone="0739-5551234", fever_advice="请待在家里。"
    )
    errand_in(tree["qianjin_g1"], by=people["grid_worker"])
    token = monitoring_services.case_link_issue(by=people["cadre"], case=cases[0])
    RiskAreaFactory(
        name="武汉市", level="city", code="420100000000", valid_from=dt.date(2020, 1, 1)
    )
    pre = checkpoint_services.pre_registration_submit(
        checkpoint=checkpoint,
        details=PassageDetails(
            direction="in",
            subject="vehicle",
            plate="鄂A12345",
            people=3,
            name="司机甲",
            phone="13912345670",
            travel_from="湖北省武汉市",
        ),
    )
    roles = {
        "grid_worker": [
            "/",
            "/monitoring/",
            "/register/households/",
            "/workforce/",
            "/care/errands/",
        ],
        "cadre": [
            "/",
            f"/reports/village/{village.pk}/",
            "/monitoring/sheets/",
            f"/monitoring/help/{village.pk}/",
        ],
        "staff": [f"/checkpoints/{checkpoint.pk}/?pre={pre.pk}"],
        "": [f"/r/{token}/", f"/k/{checkpoint.register_token}/"],  # no account
    }
    session = phone.context.new_cdp_session(phone)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def measure(url: str) -> tuple[int, int, float, int, str]:
        sizes: dict[str, int] = {}
        urls: dict[str, str] = {}

        def on_response(event: dict) -> None:
            urls[event["requestId"]] = event["response"]["url"]

        def on_loading_finished(event: dict) -> None:
            sizes[event["requestId"]] = int(event.get("encodedDataLength", 0))

        session.on("Network.responseReceived", on_response)
        session.on("Network.loadingFinished", on_loading_finished)
        response = phone.goto(url, wait_until="load")
        assert response is not None and response.status == 200, (url, response)
        dcl = phone.evaluate(
            "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
        width = phone.evaluate("document.documentElement.scrollWidth")
        lang = phone.evaluate("document.documentElement.lang")
        session.remove_listener("Network.loadingFinished", on_loading_finished)
        session.remove_listener("Network.responseReceived", on_response)
        raw = sum(sizes.values())
        sent = sum(_as_in_production(urls.get(rid, ""), n) for rid, n in sizes.items())
        return sent, raw, float(dcl), int(width), str(lang)

    figures = []
    for username, urls in roles.items():
        session.send("Network.emulateNetworkConditions", NO_THROTTLE)
        phone.context.clear_cookies()
        if username:
            log_in(phone, username)
        else:  # the resident reports a fever first: the page then shows what to do
            phone.goto(f"/r/{token}/")
            if phone.locator("input[name=temperature]").count():
                phone.locator("input[name=temperature]").fill("38.2")
                phone.locator("main form button[type=submit]").click()
                phone.wait_for_load_state()
        session.send("Network.emulateNetworkConditions", WEAK_LINK)
        for url in urls:
            figures.append((username or "resident", url, *measure(url)))
    with capsys.disabled():
        for who, url, size, raw, dcl, width, _lang in figures:
            print(
                f"\nweak link: {who:12} {url:40} {size / 1024:6.1f} KB "
                f"({raw / 1024:.1f} KB uncompressed), DOMContentLoaded {dcl:5.0f} ms, "
                f"width {width}px"
            )
    for who, url, size, _raw, dcl, width, lang in figures:
        assert size <= MAX_BYTES, (who, url, size)
        assert dcl <= MAX_DCL_MS, (who, url, dcl)
        assert width <= SMALL_PHONE["width"], (who, url, width)
        assert lang == "zh-hans", (who, url, lang)
