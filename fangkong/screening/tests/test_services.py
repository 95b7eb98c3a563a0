"""Rounds and visits through the services: rules, latest visit, risk match, audit, DB rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from fangkong.core.models import AuditAction, AuditEvent
from fangkong.screening import services
from fangkong.screening.models import HouseholdVisit, PersonCheck, ScreeningRound
from fangkong.screening.tests.conftest import DAY, first_resident
from fangkong.screening.tests.factories import record_visit

# --- rounds --------------------------------------------------------------------------------


def test_a_cadre_creates_a_round_for_his_village(users, tree):
    screening_round = services.round_create(
        by=users["cadre"], area=tree["qianjin"], name=" 全面排查 ", started_on=DAY
    )
    assert screening_round.name == "全面排查"
    assert screening_round.county == tree["county"]
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="screeninground"
    ).exists()


@pytest.mark.parametrize("who", ["grid_worker", "doctor", "viewer"])
def test_other_roles_create_no_round(users, tree, who):
    with pytest.raises(PermissionDenied):
        services.round_create(by=users[who], area=tree["qianjin"], name="x", started_on=DAY)


def test_a_round_is_for_a_township_or_village_in_scope(users, tree):
    with pytest.raises(PermissionDenied):  # 白云村's cadre, 前进村
        services.round_create(by=users["stranger"], area=tree["qianjin"], name="x", started_on=DAY)
    with pytest.raises(PermissionDenied):  # the village cadre, his township
        services.round_create(by=users["cadre"], area=tree["township"], name="x", started_on=DAY)
    with pytest.raises(ValidationError) as error:
        services.round_create(by=users["cadre"], area=tree["qianjin_g1"], name="x", started_on=DAY)
    assert "area" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.round_create(
            by=users["cadre"],
            area=tree["qianjin"],
            name="x",
            started_on=DAY,
            ended_on=DAY - dt.timedelta(days=1),
        )
    assert "ended_on" in error.value.message_dict
    assert not ScreeningRound.objects.exists()


def test_round_close_refuses_a_date_before_a_visit(users, homes, township_round):
    record_visit(township_round, homes["qianjin_g1"][0], by=users["grid_worker"], visited_on=DAY)
    with pytest.raises(ValidationError):
        services.round_close(
            by=users["township"], round=township_round, ended_on=DAY - dt.timedelta(1)
        )
    with pytest.raises(PermissionDenied):  # a village cadre does not close the township's round
        services.round_close(by=users["cadre"], round=township_round, ended_on=DAY)
    services.round_close(by=users["township"], round=township_round, ended_on=DAY)
    township_round.refresh_from_db()
    assert township_round.ended_on == DAY


def test_the_database_keeps_round_dates_in_order(users, tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningRound.objects.create(
            area=tree["qianjin"],
            name="x",
            started_on=DAY,
            ended_on=DAY - dt.timedelta(1),
            created_by=users["cadre"],
        )


# --- visits --------------------------------------------------------------------------------


def test_a_visit_records_people_and_flags_travel_from_a_risk_area(users, homes, township_round):
    household = homes["qianjin_g1"][0]
    head, other = household.residents.order_by("pk")
    visit = record_visit(
        township_round,
        household,
        by=users["grid_worker"],
        visited_on=DAY,
        people=[
            {
                "resident": head,
                "travel_from": "湖北武汉",
                "returned_on": dt.date(2020, 1, 20),
                "fever": True,
            },
            {"resident": other, "at_home": False},
            {"name": " 来访亲戚 ", "travel_from": "广东深圳", "route": "深圳-武汉-邵阳"},
        ],
    )
    checks = list(visit.people.order_by("pk"))
    assert [c.name for c in checks] == [head.name, other.name, "来访亲戚"]
    assert [c.via_risk_area for c in checks] == [True, False, True]
    assert checks[0].risk_area.code == "420100000000" and checks[0].origin_name == "湖北省武汉市"
    assert checks[2].origin_name == "广东省深圳市" and checks[2].resident is None
    assert checks[0].county_id == household.county_id == visit.county_id
    event = AuditEvent.objects.get(object_type="householdvisit", object_id=str(visit.pk))
    assert event.rows == 3 and event.area == household.area


def test_the_latest_visit_by_date_counts(users, homes, township_round):
    household = homes["qianjin_g1"][0]
    first = record_visit(township_round, household, by=users["grid_worker"], visited_on=DAY)
    assert first.outcome == "nobody_home" and first.is_latest
    second = record_visit(
        township_round,
        household,
        by=users["grid_worker"],
        visited_on=DAY + dt.timedelta(1),
        people=[{"resident": first_resident(household)}],
    )
    # Entered late, but dated before the latest: kept, does not count.
    late_entry = record_visit(township_round, household, by=users["cadre"], visited_on=DAY)
    latest = HouseholdVisit.objects.filter(household=household, is_latest=True)
    assert list(latest) == [second]
    assert not HouseholdVisit.objects.get(pk=late_entry.pk).is_latest


def test_the_database_allows_one_latest_visit_per_household_and_round(users, homes, township_round):
    household = homes["qianjin_g1"][0]
    visit = record_visit(township_round, household, by=users["grid_worker"], visited_on=DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdVisit.objects.create(
            county_id=visit.county_id,
            round=township_round,
            household=household,
            visited_on=DAY,
            by=users["grid_worker"],
            is_latest=True,
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"visited_on": dt.date(2020, 1, 1)}, "visited_on"),  # before the round
        ({"visited_on": dt.date(2999, 1, 1)}, "visited_on"),  # the future
        ({"outcome": "visited"}, "people"),  # visited, nobody recorded
        ({"outcome": "nobody_home", "people": [{"name": "甲"}]}, "people"),
        ({"people": [{"name": ""}]}, "people"),
        ({"people": [{"name": "甲", "returned_on": dt.date(2020, 1, 20)}]}, "people"),
        (
            {
                "people": [
                    {"name": "甲", "travel_from": "武汉", "returned_on": dt.date(2020, 2, 20)}
                ]
            },
            "people",
        ),
        ({"people": [{"name": "甲"}, {"name": "甲"}]}, "people"),
        ({"method": "carrier pigeon", "people": [{"name": "甲"}]}, "method"),
    ],
)
def test_bad_visits_are_refused_with_the_field_named(users, homes, township_round, kwargs, field):
    kwargs.setdefault("visited_on", DAY)
    with pytest.raises(ValidationError) as error:
        record_visit(township_round, homes["qianjin_g1"][0], by=users["grid_worker"], **kwargs)
    assert field in error.value.message_dict
    assert not HouseholdVisit.objects.exists() and not PersonCheck.objects.exists()


def test_a_resident_of_another_household_is_refused(users, homes, township_round):
    other = first_resident(homes["qianjin_g1"][1])
    with pytest.raises(ValidationError):
        record_visit(
            township_round,
            homes["qianjin_g1"][0],
            by=users["grid_worker"],
            visited_on=DAY,
            people=[{"resident": other}],
        )


def test_scope_of_visits(users, homes, township_round, tree):
    with pytest.raises(PermissionDenied):  # grid 2 is not the grid worker's
        record_visit(
            township_round, homes["qianjin_g2"][0], by=users["grid_worker"], visited_on=DAY
        )
    with pytest.raises(PermissionDenied):  # read-only
        record_visit(township_round, homes["qianjin_g1"][0], by=users["viewer"], visited_on=DAY)
    village_round = services.round_create(
        by=users["cadre"], area=tree["qianjin"], name="前进村", started_on=DAY
    )
    with pytest.raises(PermissionDenied):  # 白云村's cadre, 前进村's round
        record_visit(village_round, homes["baiyun_g1"][0], by=users["stranger"], visited_on=DAY)
    with pytest.raises(ValidationError) as error:  # a 白云村 household in 前进村's round
        record_visit(village_round, homes["baiyun_g1"][0], by=users["township"], visited_on=DAY)
    assert "household" in error.value.message_dict


def test_the_household_is_screened_from_its_first_visit_that_found_someone(
    users, homes, township_round
):
    household = homes["qianjin_g1"][0]
    people = [{"resident": first_resident(household)}]
    later = DAY + dt.timedelta(2)

    def screened():
        household.refresh_from_db()
        return household.screened_on

    record_visit(township_round, household, by=users["grid_worker"], visited_on=DAY)
    assert screened() is None  # nobody home: not screened yet
    record_visit(
        township_round, household, by=users["grid_worker"], visited_on=later, people=people
    )
    assert screened() == later
    record_visit(  # entered late, dated earlier: the first day found moves back
        township_round, household, by=users["cadre"], visited_on=DAY, people=people
    )
    assert screened() == DAY
    record_visit(township_round, household, by=users["cadre"], visited_on=later, people=people)
    assert screened() == DAY
