"""The demo of seed 002: 4,248 households screened in 火车站乡, 49 with 湖北/武汉 travel history."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from fangkong.areas.models import Area
from fangkong.screening import demo, figures
from fangkong.screening.models import HouseholdVisit, PersonCheck, ScreeningRound


def test_demo_round_gives_the_figures_of_seed_002(db):
    call_command("load_demo", stdout=io.StringIO())
    township = Area.objects.get(code="430502005000")
    screening_round = ScreeningRound.objects.get(name=demo.ROUND_NAME)
    assert screening_round.area == township and screening_round.ended_on == demo.ROUND_END

    assert figures.households_screened(township, demo.ROUND_END) == 4248
    coverage = figures.coverage(screening_round, township)
    assert (coverage.households, coverage.visited, coverage.unvisited) == (4248, 4248, 0)
    returnees = figures.returnees_found(township, demo.ROUND_END, round=screening_round)
    assert returnees.via_risk_area == 49
    hubei = sum(o.people for o in returnees.by_origin if o.origin.startswith("湖北省"))
    assert hubei == 49
    risky = PersonCheck.objects.filter(via_risk_area=True, visit__round=screening_round)
    assert risky.count() == 49
    assert {c.risk_area.name for c in risky} == {"湖北省", "武汉市"}
    assert all(c.resident_id and c.returned_on < dt.date(2020, 1, 25) for c in risky)

    # Again: nothing is added.
    counts = (
        ScreeningRound.objects.count(),
        HouseholdVisit.objects.count(),
        PersonCheck.objects.count(),
    )
    call_command("load_demo", stdout=io.StringIO())
    assert counts == (
        ScreeningRound.objects.count(),
        HouseholdVisit.objects.count(),
        PersonCheck.objects.count(),
    )
