"""A household that moves to another county takes its residents' cases, history, check-ins and
alerts with it: every row carries the county, the tenant key."""

from __future__ import annotations

import datetime as dt

from fangkong.monitoring import services
from fangkong.monitoring.models import Alert, CaseEvent, CheckIn, ObservationCase
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.registry import services as registry_services
from fangkong.registry.tests.factories import move_to_another_county

D = dt.date(2020, 2, 1)


def test_moving_a_household_to_another_county_moves_its_monitoring_rows(users, tree, clock):
    clock.set(local(D, 9))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    services.checkin_record(case=case, by=users["cadre"], temperature="38.2", day=D, slot=1)
    old = tree["county"].pk

    other_county, village = move_to_another_county(case.resident.household)

    new = other_county.pk
    for model in (ObservationCase, CaseEvent, CheckIn, Alert):
        assert set(model.objects.values_list("county_id", flat=True)) == {new}, model
    case.resident.refresh_from_db()
    assert case.resident.county_id == new
    # Still one case per resident, found by the new county's scope.
    assert ObservationCase.objects.in_area(village).get() == case
    assert not ObservationCase.objects.in_area(tree["county"]).exists()
    assert old != new


def test_a_move_within_the_county_leaves_the_rows_alone(users, tree, clock):
    clock.set(local(D, 9))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    services.checkin_record(case=case, by=users["cadre"], temperature="36.5", day=D, slot=1)
    registry_services.household_update(
        by=users["cadre"], household=case.resident.household, area=tree["qianjin_g2"]
    )
    assert set(CheckIn.objects.values_list("county_id", flat=True)) == {tree["county"].pk}
    assert ObservationCase.objects.in_area(tree["qianjin_g2"]).get() == case
