"""Coverage, unvisited households and the daily figures, from the records, in few queries."""

from __future__ import annotations

import datetime as dt

from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.screening import figures
from fangkong.screening.tests.conftest import DAY, first_resident
from fangkong.screening.tests.factories import record_visit


def _visit(screening_round, household, by, day=DAY, **person):
    return record_visit(
        screening_round,
        household,
        by=by,
        visited_on=day,
        people=[{"resident": first_resident(household), **person}],
    )


def test_coverage_per_village_and_grid(users, homes, township_round, tree):
    g1, g2, baiyun = homes["qianjin_g1"], homes["qianjin_g2"], homes["baiyun_g1"]
    _visit(township_round, g1[0], users["grid_worker"])
    _visit(township_round, g1[1], users["grid_worker"])
    record_visit(township_round, g1[2], by=users["grid_worker"], visited_on=DAY)  # nobody home
    _visit(township_round, g2[0], users["cadre"])
    _visit(township_round, baiyun[0], users["stranger"])

    township = figures.coverage(township_round, tree["township"])
    assert (township.households, township.visited, township.nobody_home) == (7, 4, 1)
    rows = {r.name: r for r in township.children}
    assert (rows["前进村"].households, rows["前进村"].visited, rows["前进村"].unvisited) == (
        5,
        3,
        2,
    )
    assert (rows["白云村"].households, rows["白云村"].visited) == (2, 1)
    grids = {r.name: r for r in rows["前进村"].children}
    assert (grids["前进村1网格"].visited, grids["前进村1网格"].nobody_home) == (2, 1)
    assert grids["前进村2网格"].percent == 50.0
    village = figures.coverage(township_round, tree["qianjin"])
    assert (village.households, village.visited) == (5, 3)

    unvisited = figures.unvisited_households(township_round, tree["qianjin"])
    assert set(unvisited) == {g1[2], g2[1]}


def test_coverage_and_unvisited_queries_do_not_grow(
    users, homes, township_round, tree, django_assert_num_queries
):
    with django_assert_num_queries(3):
        figures.coverage(township_round, tree["township"])
    for area in ("qianjin_g1", "qianjin_g2", "baiyun_g1"):
        for _ in range(5):
            household = HouseholdFactory(area=tree[area])
            record_visit(township_round, household, by=users["township"], visited_on=DAY)
    with django_assert_num_queries(3):
        row = figures.coverage(township_round, tree["township"])
    assert row.households == 22 and row.nobody_home == 15
    with django_assert_num_queries(1):
        assert len(list(figures.unvisited_households(township_round, tree["township"]))) == 22


def test_households_screened_by_date(users, homes, township_round, tree):
    g1 = homes["qianjin_g1"]
    record_visit(township_round, g1[0], by=users["grid_worker"], visited_on=DAY)  # nobody home
    _visit(township_round, g1[0], users["grid_worker"], day=DAY + dt.timedelta(1))
    _visit(township_round, g1[1], users["grid_worker"], day=DAY + dt.timedelta(1))
    _visit(township_round, homes["baiyun_g1"][0], users["stranger"], day=DAY + dt.timedelta(2))
    township = tree["township"]
    assert figures.households_screened(township, DAY) == 0
    assert figures.households_screened(township, DAY + dt.timedelta(1)) == 2
    assert figures.households_screened(township, DAY + dt.timedelta(5)) == 3
    assert figures.households_screened(tree["qianjin"], DAY + dt.timedelta(5)) == 2
    assert figures.households_visited_on(township, DAY + dt.timedelta(2)) == 1
    assert figures.households_screened(township, DAY + dt.timedelta(5), round=township_round) == 3


def test_returnees_are_counted_once_by_origin(
    users, homes, township_round, tree, django_assert_num_queries
):
    g1 = homes["qianjin_g1"]
    back = dt.date(2020, 1, 20)
    _visit(township_round, g1[0], users["grid_worker"], travel_from="湖北武汉", returned_on=back)
    # The same person seen again two days later: still one person.
    _visit(
        township_round,
        g1[0],
        users["grid_worker"],
        day=DAY + dt.timedelta(2),
        travel_from="武汉",
        returned_on=back,
    )
    _visit(township_round, g1[1], users["grid_worker"], travel_from="孝感", returned_on=back)
    _visit(township_round, g1[2], users["grid_worker"], travel_from="广东深圳", returned_on=back)
    _visit(township_round, homes["baiyun_g1"][0], users["stranger"], travel_from="武汉市江岸区")
    with django_assert_num_queries(2):
        found = figures.returnees_found(tree["township"], DAY + dt.timedelta(3))
    assert (found.people, found.via_risk_area) == (4, 3)
    by_origin = {o.origin: (o.people, o.via_risk_area) for o in found.by_origin}
    assert by_origin == {"湖北省武汉市": (2, 2), "湖北省孝感市": (1, 1), "广东省深圳市": (1, 0)}
    assert figures.returnees_found(tree["qianjin"], DAY).people == 3
    assert figures.returnees_found(tree["township"], DAY - dt.timedelta(1)).people == 0


def test_round_progress_is_for_the_users_part(
    users, homes, township_round, tree, django_assert_num_queries
):
    from fangkong.screening.tests.factories import RoundFactory

    village_round = RoundFactory(area=tree["qianjin"], created_by=users["cadre"])
    _visit(township_round, homes["qianjin_g1"][0], users["grid_worker"])
    _visit(township_round, homes["baiyun_g1"][0], users["stranger"])
    _visit(village_round, homes["qianjin_g2"][0], users["cadre"])
    rounds = [township_round, village_round]
    with django_assert_num_queries(2):
        county = figures.round_progress(rounds, tree["county"])
    assert (county[township_round.pk].households, county[township_round.pk].visited) == (7, 2)
    assert (county[village_round.pk].households, county[village_round.pk].visited) == (5, 1)
    grid = figures.round_progress(rounds, tree["qianjin_g1"])
    assert (grid[township_round.pk].households, grid[township_round.pk].visited) == (3, 1)
    assert grid[township_round.pk].percent == 33.3


def test_households_on_the_village_itself_are_counted(users, homes, township_round, tree):
    direct = HouseholdFactory(area=tree["qianjin"], head_name="村直属户")
    record_visit(
        township_round,
        direct,
        by=users["cadre"],
        visited_on=DAY,
        people=[{"name": "村直属户"}],
    )
    village = figures.coverage(township_round, tree["qianjin"])
    assert (village.households, village.visited) == (6, 1)
    assert (village.own_households, village.own_visited) == (1, 1)
    assert sum(c.households for c in village.children) == 5
