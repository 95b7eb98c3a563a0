"""The public pages' budgets: one source spends its own and never the one everybody shares."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from fangkong.core.ratelimit import client_key, public_rate_limited


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def post(address: str, page: str = "p1") -> bool:
    return public_rate_limited(
        scope="t", page=page, address=address, per_address=5, per_page=8, window=60
    )


def test_one_address_spends_its_own_budget_not_the_pages():
    results = [post("203.0.113.7") for _ in range(20)]
    assert results == [False] * 5 + [True] * 15
    # the 15 refused posts were not counted against the page: others still get through
    assert [post("198.51.100.1") for _ in range(3)] == [False, False, False]


def test_the_page_has_a_ceiling_of_its_own():
    senders = [f"198.51.100.{i}" for i in range(10)]
    results = [post(address) for address in senders]
    assert results == [False] * 8 + [True] * 2
    assert post("198.51.100.99", page="p2") is False  # another page is not touched


def test_an_ipv6_client_is_one_source_per_64():
    assert (
        client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    )
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("garbage") == client_key(None) == "unknown"
    for i in range(5):
        assert post(f"2001:db8:1:2::{i + 1}") is False
    assert post("2001:db8:1:2::99") is True  # a new address in the same /64 is the same phone
