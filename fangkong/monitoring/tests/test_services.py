"""Policy dating, the case workflow, temperatures, fever and missed-check-in alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from fangkong.core.models import AuditEvent
from fangkong.monitoring import services
from fangkong.monitoring.models import (
    Alert,
    AlertKind,
    CaseEvent,
    CheckIn,
    Mode,
    ObservationPolicy,
    Status,
)
from fangkong.monitoring.tests.factories import local, open_case, resident_in

D = dt.date(2020, 2, 1)


@pytest.fixture
def case(users, tree, clock):
    clock.set(local(D, 7))
    return open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)


# --- policy -------------------------------------------------------------------------------


def test_the_2020_policy_is_seeded(db):
    policy = ObservationPolicy.objects.in_force_on(D)
    assert policy is not None
    assert policy.home_days == policy.centralised_days == 14
    assert policy.fever_threshold == Decimal("37.3")
    assert [s[0] for s in policy.slots()] == [1, 2]


def test_a_case_keeps_the_policy_of_its_start_date(users, tree, clock):
    clock.set(local(dt.date(2022, 6, 1), 9))
    old = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=dt.date(2022, 5, 1))
    newer = ObservationPolicy.objects.create(
        name="2022 第九版",
        effective_from=dt.date(2022, 5, 20),
        home_days=7,
        centralised_days=7,
        category_days={"close_contact": {"centralised": 10}},
    )
    new = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=dt.date(2022, 5, 25))
    contact = open_case(
        by=users["cadre"],
        area=tree["qianjin_g1"],
        start=dt.date(2022, 5, 25),
        category="close_contact",
        mode=Mode.CENTRALISED,
    )
    assert (old.period_days, old.planned_end) == (14, dt.date(2022, 5, 15))
    assert (new.policy, new.period_days, new.planned_end) == (newer, 7, dt.date(2022, 6, 1))
    assert contact.period_days == 10
    # Changing the newer policy does not rewrite the cases opened under it.
    newer.home_days = 5
    newer.save()
    new.refresh_from_db()
    assert new.period_days == 7
    old.refresh_from_db()
    assert old.policy.home_days == 14


def test_no_policy_before_2020_is_a_field_error(users, tree, clock):
    clock.set(local(D, 9))
    with pytest.raises(ValidationError) as error:
        open_case(by=users["cadre"], area=tree["qianjin_g1"], start=dt.date(2019, 12, 1))
    assert "start_date" in error.value.message_dict


# --- the case workflow --------------------------------------------------------------------


def test_open_writes_history_and_audit(case, users):
    assert case.status == Status.ACTIVE
    assert case.planned_end == D + dt.timedelta(days=14)
    assert case.county_id == case.resident.county_id
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.by, event.to_status) == ("opened", users["cadre"], "active")
    assert AuditEvent.objects.filter(object_type="observationcase", object_id=str(case.pk)).exists()


def test_a_person_has_one_open_case(case, users):
    with pytest.raises(ValidationError) as error:
        open_case(by=users["cadre"], resident=case.resident, start=D)
    assert "resident" in error.value.message_dict


def test_centralised_needs_a_site(users, tree, clock):
    clock.set(local(D, 9))
    with pytest.raises(ValidationError) as error:
        open_case(
            by=users["cadre"],
            area=tree["qianjin_g1"],
            start=D,
            mode=Mode.CENTRALISED,
            site_name=" ",
        )
    assert "site_name" in error.value.message_dict


def test_stranger_and_viewer_cannot_open(users, tree, clock):
    clock.set(local(D, 9))
    for who in ("stranger", "viewer"):
        with pytest.raises(PermissionDenied):
            open_case(by=users[who], area=tree["qianjin_g1"], start=D)


def test_responsible_users_must_cover_the_household(users, tree, clock):
    clock.set(local(D, 9))
    with pytest.raises(ValidationError) as error:
        open_case(
            by=users["cadre"], area=tree["qianjin_g2"], start=D, grid_worker=users["grid_worker"]
        )
    assert "grid_worker" in error.value.message_dict
    case = open_case(
        by=users["cadre"],
        area=tree["qianjin_g1"],
        start=D,
        grid_worker=users["grid_worker"],
        doctor=users["doctor"],
    )
    assert case.grid_worker == users["grid_worker"]


def test_proposed_then_confirmed(users, tree, clock):
    clock.set(local(D, 9))
    case = open_case(
        by=users["grid_worker"], area=tree["qianjin_g1"], start=D, proposed=True, source="screening"
    )
    assert case.status == Status.PROPOSED
    case = services.case_confirm(by=users["doctor"], case=case)
    assert case.status == Status.ACTIVE
    with pytest.raises(ValidationError):
        services.case_confirm(by=users["doctor"], case=case)


def test_release_on_or_after_the_planned_end_by_doctor_or_cadre(case, users, clock):
    clock.set(local(D + dt.timedelta(days=13), 10))
    with pytest.raises(ValidationError):
        services.case_release(by=users["doctor"], case=case)
    clock.set(local(case.planned_end, 10))
    with pytest.raises(PermissionDenied):
        services.case_release(by=users["grid_worker"], case=case)
    released = services.case_release(by=users["doctor"], case=case)
    assert (released.status, released.ended_on) == (Status.RELEASED, case.planned_end)
    assert list(released.events.values_list("kind", flat=True)) == ["opened", "released"]


def test_end_early_and_extend_need_a_reason(case, users, clock):
    with pytest.raises(ValidationError):
        services.case_extend(by=users["cadre"], case=case, days=7, reason=" ")
    extended = services.case_extend(by=users["cadre"], case=case, days=7, reason="同住人发热")
    assert extended.planned_end == D + dt.timedelta(days=21)
    with pytest.raises(ValidationError):
        services.case_end_early(by=users["cadre"], case=case, reason="")
    ended = services.case_end_early(
        by=users["cadre"], case=case, reason="确诊转院", transferred=True
    )
    assert ended.status == Status.TRANSFERRED
    reasons = list(ended.events.values_list("kind", "reason"))
    assert reasons == [("opened", ""), ("extended", "同住人发热"), ("ended_early", "确诊转院")]


# --- temperatures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["34.9", "42.1", "3.65", "365", "abc", "", "NaN", "Infinity", "-36"]
)
def test_temperatures_outside_35_42_are_input_errors(case, users, value):
    with pytest.raises(ValidationError) as error:
        services.checkin_record(
            case=case, by=users["grid_worker"], temperature=value, day=D, slot=1
        )
    assert "35.0" in error.value.message_dict["temperature"][0]
    assert not CheckIn.objects.exists()


def test_the_database_holds_the_range_too(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(
            county_id=case.county_id,
            case=case,
            date=D,
            slot=1,
            temperature=Decimal("43.0"),
            source="worker",
        )


def test_normal_temperature_no_alert_and_one_per_slot(case, users):
    checkin = services.checkin_record(
        case=case, by=users["grid_worker"], temperature="36.5℃", day=D, slot=1
    )
    assert (checkin.temperature, checkin.source) == (Decimal("36.5"), "worker")
    assert not Alert.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.checkin_record(case=case, by=users["doctor"], temperature="36.6", day=D, slot=1)
    assert "slot" in error.value.message_dict


def test_fever_raises_an_alert_in_the_same_transaction(case, users):
    checkin = services.checkin_record(
        case=case, by=users["doctor"], temperature="37.3", day=D, slot=1
    )
    alert = Alert.objects.get()
    assert (alert.kind, alert.checkin, alert.is_open) == (AlertKind.FEVER, checkin, True)
    assert checkin.source == "doctor"


def test_handling_an_alert(case, users):
    services.checkin_record(case=case, by=users["doctor"], temperature="38.2", day=D, slot=1)
    alert = Alert.objects.get()
    with pytest.raises(PermissionDenied):
        services.alert_handle(by=users["stranger"], alert=alert, action="fever_clinic")
    with pytest.raises(ValidationError):
        services.alert_handle(by=users["doctor"], alert=alert, action="other", note="")
    handled = services.alert_handle(by=users["doctor"], alert=alert, action="fever_clinic")
    assert (handled.handled_by, handled.action, handled.is_open) == (
        users["doctor"],
        "fever_clinic",
        False,
    )
    assert not Alert.objects.open().exists()
    with pytest.raises(ValidationError):
        services.alert_handle(by=users["cadre"], alert=alert, action="rechecked_normal")


# --- missed check-ins ---------------------------------------------------------------------


def test_missed_slots_raise_one_alert_each_and_the_scan_is_idempotent(case, users, tree, clock):
    # Opened at 07:00 on D: the morning slot closes at 12:00 with nothing, the afternoon has one.
    services.checkin_record(
        case=case, by=users["grid_worker"], temperature="36.4", day=D, slot=2, at=local(D, 15)
    )
    clock.set(local(D, 11, 59))
    assert services.alerts_scan_missed(area=tree["county"]) == 0
    clock.set(local(D + dt.timedelta(days=1), 13))
    assert services.alerts_scan_missed(area=tree["county"]) == 2  # D morning, D+1 morning
    assert services.alerts_scan_missed(area=tree["county"]) == 0
    assert services.alerts_scan_missed(area=tree["qianjin"]) == 0
    missed = sorted(Alert.objects.filter(kind=AlertKind.MISSED).values_list("date", "slot"))
    assert missed == [(D, 1), (D + dt.timedelta(days=1), 1)]


def test_no_missed_alert_for_slots_before_the_case_was_opened(users, tree, clock):
    clock.set(local(D, 22, 30))  # both slots of the seeded policy (12:00, 22:00) closed
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    clock.set(local(D, 23, 30))
    assert services.alerts_scan_missed(area=tree["county"]) == 0


def test_released_cases_are_not_scanned(case, users, clock, tree):
    clock.set(local(case.planned_end, 7))
    services.case_release(by=users["cadre"], case=case)
    clock.set(local(case.planned_end + dt.timedelta(days=1), 21))
    assert services.alerts_scan_missed(area=tree["county"]) == 0


def test_the_command_scans_every_county(case, clock):
    from io import StringIO

    from django.core.management import call_command

    clock.set(local(D, 23))
    out = StringIO()
    call_command("scan_missed_checkins", stdout=out)
    assert "2 new" in out.getvalue()
    call_command("scan_missed_checkins", stdout=out)
    assert Alert.objects.filter(kind=AlertKind.MISSED).count() == 2


def test_resident_in_other_village_is_not_the_cadres(users, tree, clock):
    clock.set(local(D, 9))
    stranger_resident = resident_in(tree["baiyun_g1"])
    with pytest.raises(PermissionDenied):
        open_case(by=users["cadre"], resident=stranger_resident, start=D)


def test_a_slot_that_has_not_opened_takes_no_temperature(case, users, clock):
    clock.set(local(D, 10))
    with pytest.raises(ValidationError) as error:
        services.checkin_record(case=case, by=users["cadre"], temperature="36.5", day=D, slot=2)
    assert "slot" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.checkin_record(
            case=case, by=users["cadre"], temperature="36.5", day=D + dt.timedelta(days=1), slot=1
        )


def test_one_open_case_per_resident_is_held_by_the_database(case):
    from fangkong.monitoring.models import ObservationCase

    twin = ObservationCase(
        resident=case.resident,
        category=case.category,
        mode=case.mode,
        policy=case.policy,
        period_days=14,
        start_date=D,
        planned_end=case.planned_end,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
