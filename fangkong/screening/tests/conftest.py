"""Screening fixtures: households in both villages, the 2020 risk areas, a township round."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory
from fangkong.screening.models import RiskLevel
from fangkong.screening.tests.factories import RiskAreaFactory, RoundFactory

DAY = dt.date(2020, 1, 27)


@pytest.fixture
def risk_areas(db):
    return [
        RiskAreaFactory(name="湖北省", level=RiskLevel.PROVINCE, code="420000000000"),
        RiskAreaFactory(name="武汉市", level=RiskLevel.CITY, code="420100000000"),
    ]


@pytest.fixture
def homes(tree):
    """前进村: three households in grid 1, two in grid 2; 白云村: two. Two residents each."""
    spec = [("qianjin_g1", 3), ("qianjin_g2", 2), ("baiyun_g1", 2)]
    result: dict[str, list] = {}
    for key, n in spec:
        result[key] = []
        for i in range(n):
            household = HouseholdFactory(area=tree[key], head_name=f"{key}户主{i}")
            ResidentFactory.create_batch(2, household=household)
            result[key].append(household)
    return result


@pytest.fixture
def township_round(tree, users, risk_areas):
    return RoundFactory(
        area=tree["township"], created_by=users["township"], name="春节返乡人员全面排查"
    )


def first_resident(household):
    return household.residents.order_by("pk").first()
