from __future__ import annotations

import datetime as dt

import factory

from fangkong.screening import services
from fangkong.screening.models import RiskArea, RiskLevel, ScreeningRound

ROUND_START = dt.date(2020, 1, 25)


class RiskAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskArea
        django_get_or_create = ("code", "valid_from")

    name = "湖北省"
    level = RiskLevel.PROVINCE
    code = "420000000000"
    valid_from = dt.date(2020, 1, 1)


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningRound

    area = None
    created_by = None
    name = factory.Sequence(lambda n: f"春节返乡人员全面排查{n}")
    started_on = ROUND_START


def record_visit(screening_round, household, *, by, people=(), **kwargs):
    """A visit through the service (so ``is_latest`` and the risk match are what they are)."""
    kwargs.setdefault("visited_on", screening_round.started_on)
    entries = [services.PersonEntry.from_data(p) for p in people]
    if "outcome" not in kwargs and not entries:
        kwargs["outcome"] = "nobody_home"
    return services.visit_record(
        by=by, round=screening_round, household=household, people=entries, **kwargs
    )
