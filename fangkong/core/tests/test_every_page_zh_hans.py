"""Every page of the site, as every role, in zh-hans: date inputs carry ISO values (or none) and
the visible text has no English left in it.

The walk starts from every URL pattern that takes no argument and follows the links of each
page to the patterns that take one (one URL per pattern name and role), so a new page is walked
as soon as something links to it. Proper names and codes that stay in Latin letters are in
``ALLOWED``; anything else in English is a missing translation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.care.tests.factories import errand_in
from fangkong.checkpoints import services as checkpoint_services
from fangkong.checkpoints.tests.factories import make_checkpoint, vehicle
from fangkong.core.clock import today_local
from fangkong.monitoring.tests.factories import open_case
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory

# Latin words that are names or codes, not English to translate.
ALLOWED = {
    "fangkong",
    "qr",
    "id",
    "api",
    "excel",
    "xlsx",
    "csv",
    "xls",
    "gbk",
    "utf",
    "english",
    "htmx",
    "echarts",
    "pico",
    "wechat",
    "ip",
    "url",
    "ok",
    "pdf",
    "svg",
    "http",
    "https",
    "swagger",
    "openapi",
    "json",
    "token",
    "gb",
    "kb",
    "mb",
}
# Never walked: they change state on GET or are not pages (downloads, the admin, the API).
SKIP_PREFIXES = ("/admin/", "/api/", "/i18n/", "/accounts/logout/", "/static/")
SKIP_NAMES = {"export", "export_download", "logout"}
ENGLISH_WORD = re.compile(r"[A-Za-z][a-z]{2,}(?:[ '-][A-Za-z][a-z]+)*")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Page(HTMLParser):
    """Visible text, links, and the date inputs with their values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self.date_values: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "input":
            kind = (values.get("type") or "").lower()
            if kind in {"date", "datetime-local", "time"} and values.get("value"):
                self.date_values.append(f"{kind}:{values['value']}")
            if kind not in {"hidden"}:
                for name in ("placeholder", "aria-label", "title"):
                    if values.get(name):
                        self.text.append(values[name] or "")
            if kind in {"submit", "button"} and values.get("value"):
                self.text.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def _patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, str]]:
    """(route, name) of every pattern."""
    resolver = resolver or get_resolver()
    found: list[tuple[str, str]] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            found.append((route, entry.name or ""))
    return found


# Not words: addresses (the poster's link), codes and user names (county_admin, 湘E12345).
NOT_WORDS = re.compile(r"\S*(?:://|[_\d])\S*")


def _english(text: str, names: set[str]) -> list[str]:
    words = []
    text = NOT_WORDS.sub(" ", text)
    for match in ENGLISH_WORD.finditer(text):
        phrase = match.group(0)
        if all(w.lower() in ALLOWED | names for w in re.split(r"[ '-]", phrase)):
            continue
        words.append(phrase)
    return words


# Not about time, but it makes "today's" case, pass and errand, then walks the pages of today:
# started at a steady office hour, the walk cannot straddle midnight or the 16:00 cut-off.
pytestmark = pytest.mark.usefixtures("steady_clock")


@pytest.fixture
def world(tree, users):
    """A little of everything, so that detail pages have something to show."""
    day = today_local()
    users["checkpoint_staff"] = UserFactory(
        username="checkpoint_staff", role=Role.CHECKPOINT_STAFF, area=tree["qianjin"]
    )
    users["inspector"] = UserFactory(
        username="inspector", role=Role.INSPECTOR, area=tree["township"]
    )
    household = HouseholdFactory(area=tree["qianjin_g1"])
    ResidentFactory(household=household)
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=day - dt.timedelta(days=3))
    checkpoint = make_checkpoint(tree["qianjin"])
    checkpoint_services.passage_register(
        by=users["cadre"], checkpoint=checkpoint, details=vehicle(), outcome="allowed"
    )
    checkpoint_services.pass_issue(
        by=users["cadre"], household=household, valid_from=day, valid_until=day
    )
    errand_in(tree["qianjin_g1"], by=users["grid_worker"])
    return users


def _walk(client: Client, names: set[str], max_per_name: int = 1) -> dict[str, list[str]]:
    """Problems by URL; ``names`` are the user names (data in Latin letters, not English)."""
    problems: dict[str, list[str]] = {}
    seen_names: dict[str, int] = {}
    queue = deque(
        "/" + route
        for route, name in _patterns()
        if "<" not in route and "(" not in route and name not in SKIP_NAMES
    )
    visited: set[str] = set()
    while queue:
        url = queue.popleft()
        if url in visited or url.startswith(SKIP_PREFIXES):
            continue
        visited.add(url)
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            continue
        if match.url_name in SKIP_NAMES:
            continue
        key = f"{match.namespace}:{match.url_name}"
        if match.kwargs:
            if seen_names.get(key, 0) >= max_per_name:
                continue
            seen_names[key] = seen_names.get(key, 0) + 1
        response = client.get(url)
        if response.status_code in {301, 302, 403, 404, 405, 429}:
            continue
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        found = [f"date input {v}" for v in page.date_values if not _iso(v)]
        found += [f"English: {w!r}" for w in _english(" ".join(page.text), names)]
        if found:
            problems[url] = found
        for link in page.links:
            link = urldefrag(link).url
            if link.startswith("/") and not link.startswith("//"):
                queue.append(link)
    return problems


def _iso(value: str) -> bool:
    kind, _, text = value.partition(":")
    if kind == "date":
        return bool(ISO_DATE.match(text))
    if kind == "time":
        return bool(re.match(r"^\d{2}:\d{2}(:\d{2})?$", text))
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text))


@pytest.mark.parametrize(
    "role",
    [
        "county_admin",
        "township",
        "cadre",
        "grid_worker",
        "doctor",
        "checkpoint_staff",
        "inspector",
        "viewer",
    ],
)
def test_every_page_in_chinese_has_iso_dates_and_no_english(world, role, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world[role])
    problems = _walk(client, {user.username for user in world.values()})
    assert not problems, "\n".join(f"{url}: {p}" for url, p in sorted(problems.items()))


def test_anonymous_pages_in_chinese(world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    problems = _walk(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), set())
    assert not problems, "\n".join(f"{url}: {p}" for url, p in sorted(problems.items()))
