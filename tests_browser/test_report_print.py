"""The township's roll-up printed on A4 landscape: every figure column of every section is on the
printed page (nothing cut at the right edge), and the PDF's pages are landscape A4.

Elements are found by id, class and data attributes, never by visible text."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.reports import figures, services

from .conftest import log_in

pytestmark = pytest.mark.browser

# A4 landscape less the 8 mm margins of the print style, in CSS pixels (96 per inch).
PRINTABLE_WIDTH = (297 - 16) / 25.4 * 96


def test_the_rollup_prints_every_column_on_a4_landscape(page: Page, tree) -> None:
    officer = UserFactory(username="officer", role=Role.TOWNSHIP_OFFICER, area=tree["township"])
    services.report_submit(by=officer, area=tree["qianjin"], day=timezone.localdate())
    log_in(page, "officer")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/reports/area/{tree['township'].pk}/")
    # On screen: one table, the area column sticky.
    assert page.locator("#report-table").is_visible()
    sticky = page.locator("#report-table tbody th").first.evaluate(
        "e => getComputedStyle(e).position"
    )
    assert sticky == "sticky"

    page.emulate_media(media="print")
    page.set_viewport_size({"width": int(PRINTABLE_WIDTH), "height": 768})
    tables = page.locator("table.print-table")
    assert tables.count() >= 2  # split by section
    keys = []
    for index in range(tables.count()):
        table = tables.nth(index)
        assert table.is_visible()
        box = table.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PRINTABLE_WIDTH + 1
        heads = table.locator("th[data-key]")
        for n in range(heads.count()):
            head = heads.nth(n)
            cell = head.bounding_box()
            assert cell is not None and cell["width"] > 10, head.get_attribute("data-key")
            assert cell["x"] + cell["width"] <= PRINTABLE_WIDTH + 1, head.get_attribute("data-key")
            keys.append(head.get_attribute("data-key"))
    # Every figure of the report is printed, once.
    assert sorted(keys) == sorted(figures.VILLAGE_DAILY.figure_keys)
    assert not page.locator("#report-table").is_visible()

    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(float(w) > float(h) for w, h in boxes)  # landscape
    assert len(boxes) >= tables.count()  # a page per section at least
