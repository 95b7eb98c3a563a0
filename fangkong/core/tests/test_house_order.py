"""Natural house-number order (issue 15): 1组2号 before 1组10号 in every list of households —
the register list, a round's households still to visit, a worker's households — by one key."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from fangkong.core.ordering import in_house_order, natural_key
from fangkong.registry.models import Household
from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.screening.tests.factories import RoundFactory

ADDRESSES = ["前进村1组10号", "前进村2组1号", "前进村1组2号", "前进村1组1号", "前进村10组3号"]
NATURAL = ["前进村1组1号", "前进村1组2号", "前进村1组10号", "前进村2组1号", "前进村10组3号"]


def test_the_key_compares_numbers_as_numbers():
    assert sorted(ADDRESSES, key=natural_key) == NATURAL
    assert sorted(["", "3号", "A栋", "2号"], key=natural_key) == ["", "2号", "3号", "A栋"]


@pytest.fixture
def homes(tree):
    return [HouseholdFactory(area=tree["qianjin_g1"], address=a) for a in ADDRESSES]


def _addresses_in(body: str) -> list[str]:
    return list(re.findall(r"前进村\d+组\d+号", body))


def test_register_list_in_natural_order(client, users, homes):
    client.force_login(users["cadre"])
    response = client.get(reverse("registry:household_list"))
    assert [h.address for h in response.context["page"]] == NATURAL
    assert _addresses_in(response.content.decode()) == NATURAL
    # pages keep the order
    first = client.get(reverse("registry:household_list"), {"size": 20, "page": 1})
    assert first.context["page"].paginator.count == 5


def test_the_order_survives_paging_and_a_small_limit(users, homes):
    queryset = Household.objects.for_user(users["cadre"])
    ordered = in_house_order(queryset)
    assert [h.address for h in ordered[1:3]] == NATURAL[1:3] and len(ordered) == 5
    # above the limit the database's order of the same columns (documented fallback)
    fallback = in_house_order(queryset, limit=2)
    assert [h.address for h in fallback] == sorted(ADDRESSES)


def test_households_to_visit_in_natural_order(client, tree, users, homes):
    screening_round = RoundFactory(area=tree["qianjin"], created_by=users["cadre"])
    client.force_login(users["grid_worker"])
    response = client.get(reverse("screening:unvisited", args=[screening_round.pk]))
    assert response.status_code == 200
    assert [h.address for h in response.context["page"]] == NATURAL
