"""Errands and care plans: who may do what, the money, the signal for points, overdue visits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.care import figures, services
from fangkong.care.models import CarePlan, CareVisit, Errand, ErrandStatus
from fangkong.care.tests.factories import errand_in
from fangkong.core.signals import work_done
from fangkong.monitoring.tests.factories import local, open_case, resident_in
from fangkong.registry.tests.factories import HouseholdFactory, move_to_another_county

D = dt.date(2020, 2, 3)


@pytest.fixture
def now(clock):
    return clock.set(local(D, 10))


@pytest.fixture
def signals():
    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    work_done.connect(receiver, dispatch_uid="care-test")
    yield sent
    work_done.disconnect(dispatch_uid="care-test")


def test_an_errand_from_request_to_repaid(users, tree, volunteer, now, signals):
    errand = errand_in(tree["qianjin_g1"], by=users["grid_worker"])
    assert (errand.status, errand.source, errand.requested_on) == ("requested", "phone", D)
    assert errand.county_id == tree["county"].pk

    services.errand_take(by=volunteer, errand=errand)
    errand.refresh_from_db()
    assert (errand.status, errand.assignee) == (ErrandStatus.ASSIGNED, volunteer)
    assert not signals

    services.errand_done(by=volunteer, errand=errand, money_spent="56.5", note="送到门口")
    errand.refresh_from_db()
    assert (errand.status, errand.money_spent, errand.closed_on) == ("done", Decimal("56.50"), D)
    # One signal for the points scheme: the person who did it, the errand, the day.
    assert signals == [
        {
            "signal": work_done,
            "record": errand,
            "person": volunteer,
            "kind": "errand_done",
            "day": D,
        }
    ]

    services.errand_repay(by=users["grid_worker"], errand=errand, amount="50")
    with pytest.raises(ValidationError) as error:
        services.errand_repay(by=users["grid_worker"], errand=errand, amount="7")
    assert "amount" in error.value.message_dict  # only 6.50 is still owed
    services.errand_repay(by=users["grid_worker"], errand=errand, amount="6.50")
    errand.refresh_from_db()
    assert errand.outstanding == 0
    with pytest.raises(ValidationError):
        services.errand_done(by=volunteer, errand=errand, money_spent="1")


def test_only_the_taker_or_a_cadre_closes_a_taken_errand(users, tree, volunteer, now):
    errand = errand_in(tree["qianjin_g1"], by=users["cadre"])
    services.errand_take(by=volunteer, errand=errand)
    with pytest.raises(ValidationError):
        services.errand_take(by=users["grid_worker"], errand=errand)  # already taken
    with pytest.raises(ValidationError):
        services.errand_done(by=users["grid_worker"], errand=errand)
    services.errand_assign(by=users["cadre"], errand=errand, to=users["grid_worker"])
    done = services.errand_done(by=users["cadre"], errand=errand, money_spent="0")
    assert done.assignee == users["grid_worker"]  # the cadre records it for the person


def test_doing_an_untaken_errand_takes_it(users, tree, volunteer, now):
    errand = errand_in(tree["qianjin_g1"], by=users["cadre"])
    services.errand_done(by=volunteer, errand=errand, money_spent="12")
    errand.refresh_from_db()
    assert errand.assignee == volunteer and errand.assigned_by == volunteer


def test_errands_are_given_only_to_people_who_cover_the_household(users, tree, now):
    errand = errand_in(tree["qianjin_g2"], by=users["cadre"])
    with pytest.raises(ValidationError) as error:  # grid 1's worker does not cover grid 2
        services.errand_assign(by=users["cadre"], errand=errand, to=users["grid_worker"])
    assert "assignee" in error.value.message_dict
    with pytest.raises(ValidationError):  # a read-only viewer runs no errands
        services.errand_assign(by=users["cadre"], errand=errand, to=users["viewer"])
    services.errand_assign(by=users["cadre"], errand=errand, to=users["doctor"])


def test_strangers_and_viewers_may_not_touch_an_errand(users, tree, now):
    errand = errand_in(tree["qianjin_g1"], by=users["cadre"])
    for user in (users["stranger"], users["viewer"]):
        with pytest.raises(PermissionDenied):
            services.errand_take(by=user, errand=errand)
        with pytest.raises(PermissionDenied):
            errand_in(tree["qianjin_g1"], by=user)
    assert Errand.objects.count() == 1


def test_a_request_says_what_and_is_not_for_yesterday(users, tree, now):
    with pytest.raises(ValidationError) as error:
        errand_in(tree["qianjin_g1"], by=users["cadre"], details="  ")
    assert "details" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        errand_in(tree["qianjin_g1"], by=users["cadre"], needed_by=D - dt.timedelta(days=1))
    assert "needed_by" in error.value.message_dict
    with pytest.raises(ValidationError):
        errand_in(tree["qianjin_g1"], by=users["cadre"], kind="teleport")
    errand = errand_in(tree["qianjin_g1"], by=users["cadre"])
    with pytest.raises(ValidationError) as error:
        services.errand_done(by=users["cadre"], errand=errand, money_spent="-3")
    assert "money_spent" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.errand_cancel(by=users["cadre"], errand=errand, reason="")
    services.errand_cancel(by=users["cadre"], errand=errand, reason="家属已买到")
    errand.refresh_from_db()
    assert errand.status == "cancelled" and errand.note == "家属已买到"


def test_the_personal_link_asks_only_for_its_own_household_while_active(users, tree, now):
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    household = case.resident.household
    errand = services.errand_request(
        by=None, household=household, case=case, kind="groceries", details="青菜"
    )
    assert (errand.source, errand.requested_by, errand.case) == ("link", None, case)
    with pytest.raises(PermissionDenied):  # another household through this link
        services.errand_request(
            by=None,
            household=HouseholdFactory(area=tree["qianjin_g1"]),
            case=case,
            kind="groceries",
            details="青菜",
        )
    with pytest.raises(PermissionDenied):  # no case, no link
        services.errand_request(by=None, household=household, kind="groceries", details="青菜")
    for _ in range(services.LINK_OPEN_LIMIT - 1):
        services.errand_request(
            by=None, household=household, case=case, kind="medicine", details="药"
        )
    with pytest.raises(ValidationError):  # a leaked link cannot flood the village
        services.errand_request(
            by=None, household=household, case=case, kind="medicine", details="药"
        )


def test_totals_per_village_and_person(users, tree, volunteer, now):
    other = UserFactory(
        username="baiyun_volunteer", role=Role.CHECKPOINT_STAFF, area=tree["baiyun"]
    )
    for money in ("10", "20.50"):
        errand = errand_in(tree["qianjin_g1"], by=volunteer)
        services.errand_done(by=volunteer, errand=errand, money_spent=money)
    errand = errand_in(tree["baiyun_g1"], by=other)
    services.errand_done(by=other, errand=errand, money_spent="5")
    services.errand_repay(by=other, errand=errand, amount="5")
    errand_in(tree["qianjin_g2"], by=users["cadre"])  # open: not in the totals

    totals = figures.errand_totals(tree["township"], D)
    assert [(t.label, t.done, t.money_spent, t.outstanding) for t in totals.villages] == [
        ("前进村", 2, Decimal("30.50"), Decimal("30.50")),
        ("白云村", 1, Decimal("5"), Decimal("0")),
    ]
    assert [(t.key, t.done) for t in totals.people] == [(volunteer.pk, 2), (other.pk, 1)]
    assert totals.total.done == 3 and totals.total.money_spent == Decimal("35.50")
    f = figures.errand_figures(tree["qianjin"], D)
    assert (f.done_today, f.done_total, f.money_total, f.open_now) == (2, 2, Decimal("30.50"), 1)
    # The day before, nothing was done yet.
    assert figures.errand_figures(tree["qianjin"], D - dt.timedelta(days=1)).done_total == 0


def test_care_plan_for_a_flagged_resident_and_its_overdue_visits(users, tree, clock):
    clock.set(local(D, 10))
    plain = resident_in(tree["qianjin_g1"], name="普通居民")
    with pytest.raises(ValidationError) as error:
        services.care_plan_create(
            by=users["doctor"],
            resident=plain,
            kind="doctor_visit",
            description="上门",
            every_days=7,
            starts_on=D,
            responsible=users["doctor"],
        )
    assert "resident" in error.value.message_dict
    ill = resident_in(tree["qianjin_g1"], name="癌症患者", chronic_illness=True)
    weekly = services.care_plan_create(
        by=users["doctor"],
        resident=ill,
        kind="doctor_visit",
        description="每周上门诊疗",
        every_days=7,
        starts_on=D - dt.timedelta(days=20),
        responsible=users["doctor"],
    )
    alone = resident_in(tree["qianjin_g1"], name="独居老人", elderly_alone=True)
    daily = services.care_plan_create(
        by=users["grid_worker"],
        resident=alone,
        kind="phone_call",
        description="每天电话",
        every_days=1,
        starts_on=D - dt.timedelta(days=2),
        responsible=users["grid_worker"],
    )
    services.care_visit_record(by=users["doctor"], plan=weekly, day=D - dt.timedelta(days=9))
    services.care_visit_record(by=users["grid_worker"], plan=daily, day=D - dt.timedelta(days=1))

    overdue = figures.overdue_visits(tree["qianjin"], D)
    # The weekly visit was due two days ago; the daily call is due today (not overdue yet).
    assert [(o.plan.resident.name, o.days) for o in overdue] == [("癌症患者", 2)]
    assert figures.overdue_visits(tree["qianjin"], D + dt.timedelta(days=1))[1].plan == daily
    assert figures.care_figures(tree["qianjin"], D) == figures.CareFigures(
        visits_today=0, overdue=1
    )
    services.care_visit_record(by=users["doctor"], plan=weekly, day=D)
    assert figures.care_figures(tree["qianjin"], D) == figures.CareFigures(
        visits_today=1, overdue=0
    )
    with pytest.raises(ValidationError):
        services.care_visit_record(by=users["doctor"], plan=weekly, day=D + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.care_visit_record(by=users["stranger"], plan=weekly, day=D)
    with pytest.raises(ValidationError):  # the stranger cannot be made responsible either
        services.care_plan_create(
            by=users["cadre"],
            resident=ill,
            kind="home_visit",
            description="走访",
            every_days=7,
            starts_on=D,
            responsible=users["stranger"],
        )
    services.care_plan_end(by=users["cadre"], plan=weekly, ends_on=D)
    later = figures.overdue_visits(tree["qianjin"], D + dt.timedelta(days=30))
    assert [o.plan for o in later] == [daily]  # the ended plan is no longer due
    assert CareVisit.objects.in_area(tree["baiyun"]).count() == 0


def test_moving_a_household_to_another_county_moves_its_care_rows(users, tree, now):
    ill = resident_in(tree["qianjin_g1"], chronic_illness=True)
    errand = errand_in(tree["qianjin_g1"], by=users["cadre"], household=ill.household)
    plan = services.care_plan_create(
        by=users["doctor"],
        resident=ill,
        kind="doctor_visit",
        description="上门",
        every_days=7,
        starts_on=D,
        responsible=users["doctor"],
    )
    services.care_visit_record(by=users["doctor"], plan=plan, day=D)
    other_county, village = move_to_another_county(ill.household)
    for model in (Errand, CarePlan, CareVisit):
        assert set(model.objects.values_list("county_id", flat=True)) == {other_county.pk}, model
    assert Errand.objects.in_area(village).get() == errand
