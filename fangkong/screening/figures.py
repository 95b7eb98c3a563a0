"""Screening figures as functions of the records: what the daily report and the pages show.

Each runs a fixed number of queries whatever the size of the area (the area tree is read once and
the counts grouped by the households' own area, then summed up the tree by path prefix).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q

from fangkong.areas.models import Area
from fangkong.registry.models import Household, HouseholdQuerySet
from fangkong.screening.models import (
    HouseholdVisit,
    PersonCheck,
    ScreeningRound,
    VisitOutcome,
    visited_in,
)


@dataclass
class CoverageRow:
    """Households in the register and visited, for one area of the tree."""

    area_id: int
    name: str
    level: str
    path: str
    households: int = 0
    visited: int = 0
    nobody_home: int = 0
    # Households registered on this area itself, not on an area below it (a village without grids).
    own_households: int = 0
    own_visited: int = 0
    children: list[CoverageRow] = field(default_factory=list)

    @property
    def unvisited(self) -> int:
        return self.households - self.visited

    @property
    def percent(self) -> float:
        return round(100 * self.visited / self.households, 1) if self.households else 0.0

    @property
    def complete(self) -> bool:
        return self.households == self.visited


def coverage(round: ScreeningRound, area: Area) -> CoverageRow:
    """Coverage of ``area`` (inside the round's area) with every area below it: three queries."""
    areas = list(Area.objects.subtree(area).values_list("pk", "parent_id", "name", "level", "path"))
    rows = {pk: CoverageRow(pk, name, level, path) for pk, _parent, name, level, path in areas}
    parents: dict[int, int] = {}
    for pk, parent_id, _name, _level, _path in areas:
        if pk != area.pk and parent_id in rows:
            rows[parent_id].children.append(rows[pk])
            parents[pk] = parent_id
    deepest_first = [pk for pk, *_rest in sorted(areas, key=lambda a: -len(a[4]))]
    in_register = Counter(
        dict(
            Household.objects.in_area(area)
            .order_by()
            .values("area_id")
            .annotate(n=Count("pk"))
            .values_list("area_id", "n")
        )
    )
    latest = (
        HouseholdVisit.objects.filter(county_id=round.county_id, round=round, is_latest=True)
        .filter(household__area__path__startswith=area.path)
        .order_by()
        .values("household__area_id", "outcome")
        .annotate(n=Count("pk"))
        .values_list("household__area_id", "outcome", "n")
    )
    visited: Counter[int] = Counter()
    nobody_home: Counter[int] = Counter()
    for area_id, outcome, n in latest:
        (visited if outcome == VisitOutcome.VISITED else nobody_home)[area_id] += n
    # Sum up the tree: deepest first, each area adds its total to its parent's.
    for pk in deepest_first:
        row = rows[pk]
        row.own_households, row.own_visited = in_register[pk], visited[pk]
        row.households += in_register[pk]
        row.visited += visited[pk]
        row.nobody_home += nobody_home[pk]
        if pk in parents:
            parent = rows[parents[pk]]
            parent.households += row.households
            parent.visited += row.visited
            parent.nobody_home += row.nobody_home
    return rows[area.pk]


@dataclass(frozen=True)
class RoundProgress:
    households: int
    visited: int

    @property
    def percent(self) -> float:
        return round(100 * self.visited / self.households, 1) if self.households else 0.0


def round_progress(rounds: list[ScreeningRound], area: Area) -> dict[int, RoundProgress]:
    """Visited / households of each round, for its part inside ``area`` (a user's scope): two
    queries for any number of rounds."""
    per_area = list(
        Household.objects.in_area(area)
        .order_by()
        .values("area__path")
        .annotate(n=Count("pk"))
        .values_list("area__path", "n")
    )
    visited = dict(
        HouseholdVisit.objects.in_area(area)
        .current()
        .visited()
        .filter(round__in=rounds)
        .order_by()
        .values("round_id")
        .annotate(n=Count("pk"))
        .values_list("round_id", "n")
    )
    result = {}
    for r in rounds:
        part = area if area.is_within(r.area) else r.area
        households = sum(n for path, n in per_area if path.startswith(part.path))
        result[r.pk] = RoundProgress(households=households, visited=visited.get(r.pk, 0))
    return result


def unvisited_households(round: ScreeningRound, area: Area) -> HouseholdQuerySet:
    """Households of ``area`` whose latest visit in the round found nobody, or with no visit."""
    return Household.objects.in_area(area).filter(~visited_in(round))


def households_screened(area: Area, on: dt.date, *, round: ScreeningRound | None = None) -> int:
    """Households of the area visited (someone at home or on the phone) on or before ``on``."""
    visits = HouseholdVisit.objects.in_area(area).filter(
        outcome=VisitOutcome.VISITED, visited_on__lte=on
    )
    if round is not None:
        visits = visits.filter(round=round)
    return visits.aggregate(n=Count("household", distinct=True))["n"]


def households_visited_on(area: Area, day: dt.date) -> int:
    """Households of the area visited on that day (new screening work of the day)."""
    return (
        HouseholdVisit.objects.in_area(area)
        .filter(outcome=VisitOutcome.VISITED, visited_on=day)
        .aggregate(n=Count("household", distinct=True))["n"]
    )


def risk_area_travellers(area: Area, on: dt.date) -> int:
    """People found by visits on or before ``on`` to have been in a risk area, each once: one
    query (the daily report's figure; ``returnees_found`` adds the breakdown by origin)."""
    return (
        PersonCheck.objects.in_area(area)
        .travelled()
        .filter(via_risk_area=True, visit__visited_on__lte=on)
        .aggregate(n=Count("person_key", distinct=True))["n"]
    )


@dataclass(frozen=True)
class OriginCount:
    origin: str  # '湖北省武汉市', or '' for a place the table does not know
    people: int
    via_risk_area: int


@dataclass(frozen=True)
class Returnees:
    people: int
    via_risk_area: int
    by_origin: list[OriginCount]


def returnees_found(area: Area, on: dt.date, *, round: ScreeningRound | None = None) -> Returnees:
    """People with travel history found by visits on or before ``on``, each person once (even when
    checked in several visits or rounds), in total and by origin: two queries."""
    checks = PersonCheck.objects.in_area(area).travelled().filter(visit__visited_on__lte=on)
    if round is not None:
        checks = checks.filter(visit__round=round)
    totals = checks.aggregate(
        people=Count("person_key", distinct=True),
        risk=Count("person_key", distinct=True, filter=Q(via_risk_area=True)),
    )
    groups = (
        checks.order_by()
        .values("origin_name")
        .annotate(
            people=Count("person_key", distinct=True),
            risk=Count("person_key", distinct=True, filter=Q(via_risk_area=True)),
        )
        .order_by("-people", "origin_name")
        .values_list("origin_name", "people", "risk")
    )
    return Returnees(
        people=totals["people"],
        via_risk_area=totals["risk"],
        by_origin=[OriginCount(origin, people, risk) for origin, people, risk in groups],
    )
