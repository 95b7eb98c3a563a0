"""The screening of seed 002: 火车站乡 visited all 4,248 households and found 49 people with travel
history in 湖北/武汉.

Risk areas 湖北省 and 武汉市 from 2020-01-01; a finished round "春节返乡人员全面排查" over the
township in which every household was visited (a few found nobody home first and were visited
again); exactly 49 residents came back from 湖北/武汉, some others from elsewhere. A second, open
round over 前进村 is half done, so the grid worker's list of households to visit has something on
it. Generated from a fixed seed with bulk inserts; a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.core.db import analyze
from fangkong.registry import demo as registry_demo
from fangkong.registry.models import Household, ResidenceStatus, Resident
from fangkong.screening.models import (
    HouseholdVisit,
    PersonCheck,
    RiskArea,
    RiskLevel,
    ScreeningRound,
    VisitMethod,
    VisitOutcome,
)
from fangkong.screening.risk import travel_assess

ROUND_NAME = "春节返乡人员全面排查"
ROUND_START = dt.date(2020, 1, 25)
ROUND_END = dt.date(2020, 2, 2)
OPEN_ROUND_NAME = "返岗复工人员排查"
OPEN_ROUND_START = dt.date(2020, 2, 10)
HUBEI_RETURNEES = 49
RISK_AREAS = [
    ("湖北省", RiskLevel.PROVINCE, "420000000000", dt.date(2020, 1, 1)),
    ("武汉市", RiskLevel.CITY, "420100000000", dt.date(2020, 1, 1)),
]
HUBEI_ORIGINS = [
    ("湖北武汉", "武汉-长沙-邵阳"),
    ("武汉市江岸区", "武汉-邵阳 高铁"),
    ("武汉市洪山区", ""),
    ("武汉", "武汉-长沙-邵阳 大巴"),
    ("湖北孝感", ""),
    ("湖北省黄冈市", "黄冈-武汉-邵阳"),
    ("湖北荆州", ""),
    ("湖北随州", "随州-武汉-邵阳"),
]
OTHER_ORIGINS = ["广东深圳", "广东东莞", "浙江温州", "长沙", "上海", "江苏苏州", "福建厦门"]
OTHER_RETURNEES = 85


class Member(NamedTuple):
    """A resident as the demo needs him (no model instances: 14,000 of them are slow)."""

    pk: int
    household_id: int
    name: str
    residence_status: str


@dataclass(frozen=True)
class ScreeningDemo:
    round: ScreeningRound
    visits: int
    people: int


def build_risk_areas() -> list[RiskArea]:
    return [
        RiskArea.objects.get_or_create(
            code=code, valid_from=valid_from, defaults={"name": name, "level": level}
        )[0]
        for name, level, code, valid_from in RISK_AREAS
    ]


def _visitor(users: dict[str, User], areas: dict[str, Area], path: str) -> User:
    """Who visited: the demo grid worker in his grid, the village cadres in their villages, the
    township officer elsewhere."""
    if path.startswith(areas["430502005201/01"].path):
        return users["grid_worker"]
    if path.startswith(areas["430502005201"].path):
        return users["village_cadre"]
    if path.startswith(areas["430502005202"].path):
        return users["other_cadre"]
    return users["township_officer"]


@transaction.atomic
def build_screening(areas: dict[str, Area]) -> ScreeningDemo | None:
    """The finished round over 火车站乡 and an open one over 前进村; None when already there."""
    risk_areas = build_risk_areas()
    township = areas[registry_demo.TOWNSHIP[1]]
    if ScreeningRound.objects.filter(area=township, name=ROUND_NAME).exists():
        return None
    users = {u.username: u for u in User.objects.filter(username__in=_USERNAMES)}
    rng = random.Random(20200202)  # noqa: S311 - demo data, not a secret
    screening_round = ScreeningRound(
        area=township,
        name=ROUND_NAME,
        started_on=ROUND_START,
        ended_on=ROUND_END,
        created_by=users["township_officer"],
    )
    screening_round.save()
    households = list(
        Household.objects.in_area(township).order_by("pk").values_list("pk", "area__path")
    )
    members: dict[int, list[Member]] = {}
    for row in (
        Resident.objects.in_area(township)
        .order_by("pk")
        .values_list("pk", "household_id", "name", "residence_status")
    ):
        member = Member(*row)
        members.setdefault(member.household_id, []).append(member)
    # The 49 from 湖北/武汉 are the ones the monitoring demo watches (one shared choice).
    by_pk = {r.pk: r for people in members.values() for r in people}
    hubei = [by_pk[pk] for pk in registry_demo.seed_returnees()]
    taken = {r.pk for r in hubei}
    at_home = [
        r for people in members.values() for r in people if _is_home(r) and r.pk not in taken
    ]
    chosen = hubei + rng.sample(at_home, OTHER_RETURNEES)
    travel: dict[int, tuple[str, str, dt.date]] = {}
    for n, resident in enumerate(chosen):
        if n < HUBEI_RETURNEES:
            origin, route = HUBEI_ORIGINS[n % len(HUBEI_ORIGINS)]
        else:
            origin, route = rng.choice(OTHER_ORIGINS), ""
        travel[resident.pk] = (
            origin,
            route,
            dt.date(2020, 1, 10) + dt.timedelta(rng.randrange(14)),
        )

    days = (ROUND_END - ROUND_START).days + 1
    visits: list[HouseholdVisit] = []
    for household, path in households:
        by = _visitor(users, areas, path)
        day = ROUND_START + dt.timedelta(rng.randrange(days - 1))
        if rng.random() < 0.03:  # nobody home the first time: visited again a day or two later
            visits.append(_visit(screening_round, household, by, day, VisitOutcome.NOBODY_HOME))
            visits[-1].is_latest = False
            day += dt.timedelta(rng.randint(1, 2))
            day = min(day, ROUND_END)
        method = VisitMethod.PHONE if rng.random() < 0.08 else VisitMethod.DOOR
        visits.append(_visit(screening_round, household, by, day, VisitOutcome.VISITED, method))
    HouseholdVisit.objects.bulk_create(visits, batch_size=1000)

    checks: list[PersonCheck] = []
    for visit in visits:
        if visit.outcome != VisitOutcome.VISITED:
            continue
        for resident in members.get(visit.household_id, []):
            origin, route, back = travel.get(resident.pk, ("", "", None))  # type: ignore[assignment]
            assessment = travel_assess(
                travel_from=origin,
                route=route,
                returned_on=back,
                visited_on=visit.visited_on,
                risk_areas=risk_areas,
            )
            checks.append(
                PersonCheck(
                    county_id=visit.county_id,
                    visit=visit,
                    resident_id=resident.pk,
                    name=resident.name,
                    person_key=f"r{resident.pk}",
                    at_home=_is_home(resident) or resident.pk in travel,  # came back
                    travel_from=origin,
                    returned_on=back if origin else None,
                    route=route,
                    origin_code=assessment.origin.code,
                    origin_name=assessment.origin.name,
                    via_risk_area=assessment.via_risk_area,
                    risk_area=assessment.risk_area,
                )
            )
    PersonCheck.objects.bulk_create(checks, batch_size=2000)
    _open_round(areas, users, members, rng)
    analyze(HouseholdVisit, PersonCheck)
    return ScreeningDemo(round=screening_round, visits=len(visits), people=len(checks))


_USERNAMES = ["grid_worker", "village_cadre", "other_cadre", "township_officer"]


def _is_home(resident: Member) -> bool:
    return resident.residence_status != ResidenceStatus.AWAY


def _visit(
    screening_round: ScreeningRound,
    household: int,
    by: User,
    day: dt.date,
    outcome: VisitOutcome,
    method: VisitMethod = VisitMethod.DOOR,
) -> HouseholdVisit:
    return HouseholdVisit(
        county_id=screening_round.county_id,
        round=screening_round,
        household_id=household,
        visited_on=day,
        by=by,
        method=method,
        outcome=outcome,
        is_latest=True,
    )


def _open_round(
    areas: dict[str, Area],
    users: dict[str, User],
    members: dict[int, list[Member]],
    rng: random.Random,
) -> None:
    """前进村's second round, started 2020-02-10: about half of each grid visited so far."""
    village = areas["430502005201"]
    screening_round = ScreeningRound(
        area=village,
        name=OPEN_ROUND_NAME,
        started_on=OPEN_ROUND_START,
        created_by=users["village_cadre"],
    )
    screening_round.save()
    households = list(
        Household.objects.in_area(village).order_by("pk").values_list("pk", "area__path")
    )
    visits = []
    for household, path in households:
        if rng.random() < 0.5:
            continue
        by = _visitor(users, areas, path)
        day = OPEN_ROUND_START + dt.timedelta(rng.randrange(4))
        outcome = VisitOutcome.NOBODY_HOME if rng.random() < 0.05 else VisitOutcome.VISITED
        visits.append(_visit(screening_round, household, by, day, outcome))
    HouseholdVisit.objects.bulk_create(visits, batch_size=1000)
    PersonCheck.objects.bulk_create(
        [
            PersonCheck(
                county_id=visit.county_id,
                visit=visit,
                resident_id=resident.pk,
                name=resident.name,
                person_key=f"r{resident.pk}",
                at_home=_is_home(resident),
            )
            for visit in visits
            if visit.outcome == VisitOutcome.VISITED
            for resident in members.get(visit.household_id, [])
        ],
        batch_size=2000,
    )
