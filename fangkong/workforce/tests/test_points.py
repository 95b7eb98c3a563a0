"""Red points: a configurable scheme per county, once per (record, kind) by a DB constraint,
any kind key, adjustments only with a reason by the branch secretary, tables."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.core.signals import work_done
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.screening.tests.factories import RoundFactory, record_visit
from fangkong.workforce import points as tables
from fangkong.workforce import services
from fangkong.workforce.models import PartyBranch, PointEntry, PointRule
from fangkong.workforce.tests.factories import make_worker

DAY = dt.date(2020, 2, 3)


@pytest.fixture
def scheme(tree):
    for kind, points in [("errand_done", 3), ("household_visited", 2), ("checkin_taken", 1)]:
        PointRule.objects.create(county=tree["county"], kind=kind, points=points)


def test_any_kind_in_the_scheme_is_granted_once_per_record(users, tree, scheme):
    worker = make_worker(tree["qianjin_g1"], user=users["grid_worker"])
    record = HouseholdFactory(area=tree["qianjin_g1"])  # stands for another app's errand
    for _ in range(2):
        work_done.send(
            sender=type(record),
            record=record,
            person=users["grid_worker"],
            kind="errand_done",
            day=DAY,
        )
    entry = PointEntry.objects.get()
    assert (entry.worker, entry.points, entry.kind, entry.day) == (worker, 3, "errand_done", DAY)
    assert entry.record_type == ContentType.objects.get_for_model(record)
    assert entry.record_id == record.pk
    # Another kind for the same record is another entry; a kind not in the scheme is nothing.
    work_done.send(
        sender=None, record=record, person=users["grid_worker"], kind="checkin_taken", day=DAY
    )
    work_done.send(sender=None, record=record, person=users["grid_worker"], kind="unknown", day=DAY)
    assert PointEntry.objects.count() == 2


def test_the_database_holds_once_per_record(users, tree):
    worker = make_worker(tree["qianjin_g1"])
    fields = {
        "county": tree["county"],
        "area": tree["qianjin_g1"],
        "worker": worker,
        "kind": "x",
        "points": 1,
        "day": DAY,
        "record_type": ContentType.objects.get_for_model(worker),
        "record_id": worker.pk,
    }
    PointEntry.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(**fields)
    # An entry without a record is only an adjustment, with a reason and who made it.
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(
            county=tree["county"],
            area=tree["qianjin_g1"],
            worker=worker,
            kind="x",
            points=1,
            day=DAY,
        )


def test_a_user_without_a_worker_record_keeps_the_points_on_the_login(users, tree, scheme):
    record = HouseholdFactory(area=tree["qianjin_g1"])
    work_done.send(sender=None, record=record, person=users["doctor"], kind="errand_done", day=DAY)
    entry = PointEntry.objects.get()
    assert entry.worker is None and entry.user == users["doctor"]
    assert entry.area == users["doctor"].area
    rows = tables.by_person(tree["county"], DAY, DAY)
    assert [(r.name, r.points) for r in rows] == [("doctor", 3)]


def test_visits_and_checkins_earn_through_their_own_services(users, tree, scheme, clock):
    worker = make_worker(tree["qianjin_g1"], user=users["grid_worker"])
    household = HouseholdFactory(area=tree["qianjin_g1"])
    screening_round = RoundFactory(area=tree["qianjin"], created_by=users["cadre"])
    record_visit(screening_round, household, by=users["grid_worker"])
    from fangkong.monitoring import services as monitoring

    clock.set(local(DAY, 9))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY)
    monitoring.checkin_record(
        case=case, by=users["grid_worker"], temperature="36.5", day=DAY, slot=1
    )
    kinds = sorted(PointEntry.objects.filter(worker=worker).values_list("kind", flat=True))
    assert kinds == ["checkin_taken", "household_visited"]


def test_adjustments_only_by_the_branch_secretary_with_a_reason(users, tree):
    secretary_user = UserFactory(username="sec", role=Role.VILLAGE_CADRE, area=tree["qianjin"])
    secretary = make_worker(tree["qianjin"], "书记", user=secretary_user)
    member = make_worker(tree["qianjin_g1"], "党员")
    branch = PartyBranch.objects.create(
        area=tree["qianjin"], name="临时党支部", temporary=True, secretary=secretary
    )
    branch.members.add(secretary, member)
    with pytest.raises(PermissionDenied):
        services.points_adjust(by=users["cadre"], worker=member, points=5, reason="表现突出")
    with pytest.raises(ValidationError):
        services.points_adjust(by=secretary_user, worker=member, points=5, reason=" ")
    with pytest.raises(ValidationError):
        services.points_adjust(by=secretary_user, worker=member, points=0, reason="x")
    entry = services.points_adjust(
        by=secretary_user, worker=member, points=-2, reason="迟到", day=DAY
    )
    assert (entry.kind, entry.points, entry.by, entry.record_id) == (
        "adjustment",
        -2,
        secretary_user,
        None,
    )
    rows = tables.by_branch(tree["county"], DAY, DAY)
    assert [(r.name, r.points, r.detail) for r in rows] == [("临时党支部", -2, "temporary")]


def test_tables_per_person_branch_and_area(users, tree, scheme):
    a = make_worker(tree["qianjin_g1"], "甲")
    b = make_worker(tree["baiyun_g1"], "乙")
    for i, worker in enumerate([a, a, b]):
        services.points_grant(
            record=HouseholdFactory(area=tree["qianjin_g1"]),
            kind="errand_done",
            day=DAY,
            worker=worker,
        )
        assert i < 3
    assert [(r.name, r.points) for r in tables.by_person(tree["county"], DAY, DAY)] == [
        ("甲", 6),
        ("乙", 3),
    ]
    assert [(r.name, r.points) for r in tables.by_area(tree["township"], DAY, DAY)] == [
        ("前进村", 6),
        ("白云村", 3),
    ]
    # Scoped: 前进村 sees only its own people.
    assert [r.name for r in tables.by_person(tree["qianjin"], DAY, DAY)] == ["甲"]


def test_the_scheme_is_set_by_county_administrators(client, users, tree):
    with pytest.raises(PermissionDenied):
        services.point_rule_set(by=users["cadre"], kind="errand_done", points=3)
    with pytest.raises(ValidationError):
        services.point_rule_set(by=users["county_admin"], kind="代办", points=3)
    client.force_login(users["county_admin"])
    response = client.post(
        "/workforce/points/scheme/",
        {"kind": "errand_done", "label": "代办", "points": "4", "active": "on"},
    )
    assert response.status_code == 302
    assert PointRule.objects.get(county=tree["county"], kind="errand_done").points == 4
    client.force_login(users["cadre"])
    assert client.get("/workforce/points/scheme/").status_code == 403
    assert client.get("/workforce/points/?by=area").status_code == 200
