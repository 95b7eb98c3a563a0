"""Passages, referrals, passes and self-registrations through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from fangkong.checkpoints import services
from fangkong.checkpoints.figures import checkpoint_figures
from fangkong.checkpoints.models import Outcome, Passage, PassageSource, PreRegistration
from fangkong.checkpoints.tests.factories import make_checkpoint, person, staff_in, vehicle
from fangkong.monitoring.models import ObservationCase, Status
from fangkong.monitoring.tests.factories import local, resident_in
from fangkong.registry.tests.factories import make_id_number
from fangkong.screening.tests.factories import RiskAreaFactory


@pytest.fixture
def checkpoint(tree):
    return make_checkpoint(tree["qianjin"])


@pytest.fixture
def staff(tree):
    return staff_in(tree["qianjin"])


def test_staff_turn_a_vehicle_back(staff, checkpoint, tree):
    passage = services.passage_register(
        by=staff,
        checkpoint=checkpoint,
        details=vehicle(plate="湘e·d12345", people=3, travel_from="长沙", purpose="探亲"),
        outcome=Outcome.TURNED_BACK,
        temperature="36.6",
    )
    assert passage.plate == "湘ED12345" and passage.people == 3
    assert passage.county_id == tree["county"].pk and passage.by == staff
    assert passage.origin_name == "湖南省长沙市" and not passage.via_risk_area
    figures = checkpoint_figures(tree["township"], passage.day)
    # Three people turned back, none let through (they are not added to the people let in).
    assert (figures.people, figures.vehicles, figures.turned_back) == (0, 1, 3)


def test_a_bad_plate_is_named_and_nothing_is_written(staff, checkpoint):
    with pytest.raises(ValidationError) as error:
        services.passage_register(
            by=staff, checkpoint=checkpoint, details=vehicle(plate="湘EO1234"), outcome="allowed"
        )
    assert "plate" in error.value.message_dict
    assert not Passage.objects.exists()


def test_a_fever_is_not_let_through(staff, checkpoint):
    with pytest.raises(ValidationError) as error:
        services.passage_register(
            by=staff, checkpoint=checkpoint, details=person(), outcome="allowed", temperature="37.5"
        )
    assert "outcome" in error.value.message_dict
    passage = services.passage_register(
        by=staff,
        checkpoint=checkpoint,
        details=person(name="发热者", phone="13800001111"),
        outcome=Outcome.FEVER_CLINIC,
        temperature="37.5",
    )
    assert passage.temperature == Decimal("37.5")


def test_referred_and_sent_to_the_clinic_need_a_name_and_a_phone(staff, checkpoint):
    with pytest.raises(ValidationError) as error:
        services.passage_register(
            by=staff, checkpoint=checkpoint, details=person(), outcome=Outcome.REFERRED
        )
    assert {"name", "phone"} <= set(error.value.message_dict)


def test_personal_numbers_are_encrypted_and_masked(staff, checkpoint):
    number = make_id_number(seq=31)
    passage = services.passage_register(
        by=staff,
        checkpoint=checkpoint,
        details=person(name="王五", phone="13912345678", id_number=number.lower()),
        outcome="allowed",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, id_number FROM checkpoints_passage WHERE id = %s", [passage.pk]
        )
        phone, id_number = cursor.fetchone()
    assert phone.startswith("v1:") and id_number.startswith("v1:")
    assert "13912345678" not in phone and number not in id_number
    assert passage.phone_masked == "139****5678"
    assert passage.id_masked == number[:4] + "*" * 10 + number[-4:]


def test_a_referral_by_a_cadre_proposes_an_observation_case(users, checkpoint, tree):
    RiskAreaFactory(name="武汉市", level="city", code="420100000000")
    resident = resident_in(tree["qianjin_g1"], name="返乡者")
    passage = services.passage_register(
        by=users["cadre"],
        checkpoint=checkpoint,
        details=person(
            name="返乡者", phone="13912345678", id_number=resident.id_number, travel_from="湖北武汉"
        ),
        outcome=Outcome.REFERRED,
        temperature="36.8",
    )
    assert passage.resident == resident and passage.via_risk_area
    case = ObservationCase.objects.get(resident=resident)
    assert passage.case == case
    assert case.status == Status.PROPOSED and case.category == "returnee"
    assert case.source_ref == services.passage_ref(passage)
    assert checkpoint_figures(tree["qianjin"], passage.day).referred == 1


def test_a_referral_by_checkpoint_staff_waits_for_a_cadre(users, staff, checkpoint, tree):
    """Checkpoint staff may not open cases (monitoring's rule): the referral waits on the
    referrals page, and a cadre proposes the case in one tap."""
    resident = resident_in(tree["qianjin_g1"])
    passage = services.passage_register(
        by=staff,
        checkpoint=checkpoint,
        details=person(name=resident.name, phone="13912345678", id_number=resident.id_number),
        outcome=Outcome.REFERRED,
    )
    assert passage.case is None and passage.resident == resident
    with pytest.raises(PermissionDenied):
        services.referral_propose_case(by=users["stranger"], passage=passage)
    passage = services.referral_propose_case(by=users["cadre"], passage=passage)
    assert passage.case.status == Status.PROPOSED
    with pytest.raises(ValidationError):
        services.referral_propose_case(by=users["cadre"], passage=passage)


def test_an_unregistered_referral_cannot_get_a_case(users, checkpoint):
    passage = services.passage_register(
        by=users["cadre"],
        checkpoint=checkpoint,
        details=person(name="外地人", phone="13912345678"),
        outcome=Outcome.REFERRED,
    )
    assert passage.case is None
    with pytest.raises(ValidationError):
        services.referral_propose_case(by=users["cadre"], passage=passage)


def test_only_staff_in_scope_register(users, checkpoint):
    for user in (users["stranger"], users["viewer"]):
        with pytest.raises(PermissionDenied):
            services.passage_register(
                by=user, checkpoint=checkpoint, details=person(), outcome="allowed"
            )


# --- passes -----------------------------------------------------------------------------------


@pytest.fixture
def household_pass(users, tree):
    resident = resident_in(tree["qianjin_g1"], name="买菜人")
    return services.pass_issue(
        by=users["cadre"],
        household=resident.household,
        valid_from=dt.date(2020, 2, 1),
        valid_until=dt.date(2020, 2, 14),
        holders=[resident],
        uses_allowed=1,
        every_days=2,
        rule_note="买菜",
    )


def test_a_pass_lets_one_person_out_every_two_days(staff, checkpoint, household_pass, clock):
    clock.set(local(dt.date(2020, 2, 3), 9))
    passage = services.pass_scan(
        by=staff, checkpoint=checkpoint, code=household_pass.number, direction="out"
    )
    assert passage.source == PassageSource.PASS and passage.household_pass == household_pass
    assert passage.name == "买菜人" and passage.outcome == Outcome.ALLOWED
    # Coming back in is always fine; going out again the same or the next day is not.
    services.pass_scan(by=staff, checkpoint=checkpoint, code=household_pass.token, direction="in")
    clock.set(local(dt.date(2020, 2, 4), 9))
    with pytest.raises(ValidationError) as error:
        services.pass_scan(
            by=staff, checkpoint=checkpoint, code=household_pass.number, direction="out"
        )
    assert "code" in error.value.message_dict
    clock.set(local(dt.date(2020, 2, 5), 9))
    services.pass_scan(
        by=staff,
        checkpoint=checkpoint,
        code=f"http://127.0.0.1:8000/p/{household_pass.token}/",
        direction="out",
    )
    assert household_pass.uses.count() == 3


def test_a_revoked_or_expired_pass_does_not_open(users, staff, checkpoint, household_pass, clock):
    clock.set(local(dt.date(2020, 2, 20), 9))
    with pytest.raises(ValidationError) as expired:
        services.pass_scan(
            by=staff, checkpoint=checkpoint, code=household_pass.number, direction="in"
        )
    assert "2020-02-14" in expired.value.message_dict["code"][0]
    clock.set(local(dt.date(2020, 2, 3), 9))
    with pytest.raises(ValidationError):
        services.pass_revoke(by=users["cadre"], household_pass=household_pass, reason=" ")
    with pytest.raises(PermissionDenied):
        services.pass_revoke(by=staff, household_pass=household_pass, reason="丢失")
    services.pass_revoke(by=users["cadre"], household_pass=household_pass, reason="丢失")
    with pytest.raises(ValidationError) as revoked:
        services.pass_scan(
            by=staff, checkpoint=checkpoint, code=household_pass.number, direction="in"
        )
    assert "丢失" in revoked.value.message_dict["code"][0]
    assert not Passage.objects.exists()


def test_only_holders_use_a_pass(users, staff, checkpoint, household_pass, tree, clock):
    clock.set(local(dt.date(2020, 2, 3), 9))
    other = resident_in(tree["qianjin_g1"])
    with pytest.raises(ValidationError):
        services.pass_scan(
            by=staff,
            checkpoint=checkpoint,
            code=household_pass.number,
            direction="out",
            holder=other,
        )
    with pytest.raises(ValidationError):
        services.pass_issue(
            by=users["cadre"],
            household=household_pass.household,
            valid_from=dt.date(2020, 2, 1),
            valid_until=dt.date(2020, 2, 2),
            holders=[other],
        )


def test_an_unknown_code_is_no_pass(staff, checkpoint):
    with pytest.raises(ValidationError):
        services.pass_scan(by=staff, checkpoint=checkpoint, code="000000000", direction="out")


# --- self-registration --------------------------------------------------------------------------


def test_a_visitor_registers_and_staff_confirm_in_one_tap(staff, checkpoint):
    with pytest.raises(ValidationError) as error:
        services.pre_registration_submit(checkpoint=checkpoint, details=person())
    assert {"name", "phone", "travel_from"} <= set(error.value.message_dict)
    pre = services.pre_registration_submit(
        checkpoint=checkpoint,
        details=person(name="访客", phone="13912345678", travel_from="长沙", purpose="送货"),
    )
    assert len(pre.code) == 4
    assert list(PreRegistration.objects.pending()) == [pre]
    passage = services.pre_registration_confirm(by=staff, pre=pre, temperature="36.4")
    assert passage.source == PassageSource.SELF and passage.name == "访客"
    assert passage.temperature == Decimal("36.4")
    assert not PreRegistration.objects.pending().exists()
    with pytest.raises(ValidationError):
        services.pre_registration_confirm(by=staff, pre=pre, temperature="36.4")


def test_confirming_needs_the_temperature(staff, checkpoint):
    pre = services.pre_registration_submit(
        checkpoint=checkpoint, details=person(name="访客", phone="13912345678", travel_from="长沙")
    )
    with pytest.raises(ValidationError):
        services.pre_registration_confirm(by=staff, pre=pre, temperature="")
    assert not Passage.objects.exists()
