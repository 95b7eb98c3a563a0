"""Seed 004 (泗水县, February 2020): the county's "four teams" — 1,200 party members of 118
organisations in the communities (防疫先锋队), 883 cadres in the villages of 13 towns (先锋突击队),
167 first secretaries, 783 deputies and committee members — and 236 temporary party branches,
built with bulk_create; the figures come from the records (pages, API, report registry)."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Area, Level
from fangkong.checkpoints.models import Checkpoint
from fangkong.monitoring.tests.factories import local
from fangkong.reports.figures import FIGURES, compute
from fangkong.workforce.models import (
    PartyBranch,
    PointEntry,
    PointRule,
    Post,
    Shift,
    ShiftAssignment,
    Team,
    TeamMember,
    Worker,
    WorkerKind,
)
from fangkong.workforce.services import SHIFT_WORKED, clock_out

DAY = dt.date(2020, 2, 13)
TEAMS = [
    ("防疫先锋队", WorkerKind.PARTY_MEMBER, 1200),
    ("先锋突击队", WorkerKind.CADRE, 883),
    ("第一书记", WorkerKind.FIRST_SECRETARY, 167),
    ("两代表一委员", WorkerKind.DEPUTY, 783),
]
TEMPORARY_BRANCHES = 236
ORGANISATIONS = 118
TOWNS = 13


@pytest.fixture
def sishui(db):
    county = Area(name="泗水县", level=Level.COUNTY, code="370831000000")
    county.save()
    towns = []
    for i in range(TOWNS):
        town = Area(
            parent=county, name=f"镇街{i + 1}", level=Level.TOWNSHIP, code=f"370831{i + 1:03d}000"
        )
        town.save()
        village = Area(
            parent=town, name=f"{town.name}一村", level=Level.VILLAGE, code=f"370831{i + 1:03d}201"
        )
        village.save()
        towns.append((town, village))
    return county, towns


def _build(county: Area, towns: list[tuple[Area, Area]]) -> dict[str, Team]:
    teams: dict[str, Team] = {}
    workers: list[Worker] = []
    for name, kind, size in TEAMS:
        teams[name] = Team.objects.create(area=county, name=name)
        for n in range(size):
            town, village = towns[n % TOWNS]
            organisation = (
                f"县直单位{n % ORGANISATIONS + 1}" if kind == WorkerKind.PARTY_MEMBER else ""
            )
            workers.append(
                Worker(
                    county_id=county.pk,
                    area=village if kind != WorkerKind.PARTY_MEMBER else town,
                    name=f"{name}{n + 1}",
                    kind=kind,
                    party_member=kind != WorkerKind.DEPUTY,
                    organisation=organisation,
                )
            )
    Worker.objects.bulk_create(workers, batch_size=1000)
    members = []
    by_kind = {kind: name for name, kind, _size in TEAMS}
    for worker in Worker.objects.filter(county_id=county.pk).only("pk", "kind", "area_id"):
        members.append(
            TeamMember(
                county_id=county.pk,
                team=teams[by_kind[worker.kind]],
                worker_id=worker.pk,
                serves_in_id=worker.area_id,
            )
        )
    TeamMember.objects.bulk_create(members, batch_size=1000)
    for name, _kind, _size in TEAMS:
        teams[name].dispatched_to.set([village for _town, village in towns])
    branches = PartyBranch.objects.bulk_create(
        [
            PartyBranch(
                county_id=county.pk,
                area=towns[i % TOWNS][1],
                name=f"战疫临时党支部{i + 1}",
                temporary=True,
                set_up_on=dt.date(2020, 1, 28),
            )
            for i in range(TEMPORARY_BRANCHES)
        ]
    )
    # Every 突击队 cadre is a member of one temporary branch of their village.
    cadres = list(
        Worker.objects.filter(county_id=county.pk, kind=WorkerKind.CADRE).values_list(
            "pk", flat=True
        )
    )
    Through = PartyBranch.members.through
    Through.objects.bulk_create(
        [
            Through(partybranch_id=branches[i % TEMPORARY_BRANCHES].pk, worker_id=pk)
            for i, pk in enumerate(cadres)
        ],
        batch_size=1000,
    )
    return teams


def test_seed_004_four_teams_and_236_temporary_branches(
    sishui, client, django_assert_max_num_queries
):
    county, towns = sishui
    _build(county, towns)
    admin = UserFactory(username="sishui_admin", role=Role.COUNTY_ADMIN, area=county)

    # From the records, through the API the pages use.
    api = APIClient()
    api.force_authenticate(admin)
    teams = api.get("/api/v1/teams/").json()["results"]
    assert {t["name"]: t["member_count"] for t in teams} == {
        name: size for name, _kind, size in TEAMS
    }
    assert all(len(t["dispatched_to"]) == TOWNS for t in teams)
    assert api.get("/api/v1/branches/?temporary=1").json()["count"] == TEMPORARY_BRANCHES
    assert api.get("/api/v1/workers/").json()["count"] == 1200 + 883 + 167 + 783
    workers = Worker.objects.in_area(county)
    assert workers.exclude(organisation="").values("organisation").distinct().count() == 118
    assert workers.filter(kind=WorkerKind.CADRE).values("area__parent").distinct().count() == TOWNS
    assert sum(b.members.count() for b in PartyBranch.objects.filter(temporary=True)[:5]) > 0

    # The organisations page: a fixed number of queries whatever the size.
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        response = client.get("/workforce/organisations/")
    page = response.content.decode()
    assert 'id="temporary-count">236<' in page
    for name, _kind, size in TEAMS:
        assert name in page and f"{size} " in page


def test_seed_004_duty_at_monitoring_points_and_red_points(sishui, clock):
    """The first secretaries staff their villages' monitoring points (监测点执勤值班): one
    8-hour shift each on 13 February; each clock-out earns the county's points for a shift."""
    county, towns = sishui
    _build(county, towns)
    PointRule.objects.create(county=county, kind=SHIFT_WORKED, points=5)
    posts = []
    for _town, village in towns:
        checkpoint = Checkpoint.objects.create(
            area=village, name=f"{village.name}监测点", kind="village_entrance"
        )
        posts.append(
            Post.objects.create(
                area=village,
                name=checkpoint.name,
                kind="checkpoint",
                checkpoint=checkpoint,
                min_staff=2,
            )
        )
    shifts = Shift.objects.bulk_create(
        [
            Shift(
                county_id=county.pk,
                post=post,
                day=DAY,
                starts_at=local(DAY, hour),
                ends_at=local(DAY, hour) + dt.timedelta(hours=8),
                min_staff=2,
            )
            for post in posts
            for hour in (0, 8, 16)
        ]
    )
    secretaries = list(Worker.objects.filter(kind=WorkerKind.FIRST_SECRETARY).order_by("pk"))
    users = UserFactory.create_batch(len(secretaries), role=Role.VILLAGE_CADRE, area=county)
    for worker, user in zip(secretaries, users, strict=True):
        worker.user = user
    Worker.objects.bulk_update(secretaries, ["user"])
    # Shift i gets secretaries i, i+39, i+78, ... (39 shifts, 167 people: 11 shifts have 5,
    # the rest 4), everyone clocked in on time.
    assignments = ShiftAssignment.objects.bulk_create(
        [
            ShiftAssignment(
                county_id=county.pk,
                shift=shifts[i % len(shifts)],
                worker=worker,
                clock_in_at=shifts[i % len(shifts)].starts_at,
            )
            for i, worker in enumerate(secretaries)
        ]
    )
    # One shift of the night has nobody: a gap.
    empty = Shift.objects.create(
        post=posts[0], day=DAY, starts_at=local(DAY, 23), ends_at=local(DAY, 23, 59)
    )
    clock.set(local(DAY, 23, 30))
    by_pk = {s.pk: s for s in shifts}
    for assignment, worker in zip(assignments, secretaries, strict=True):
        assignment.worker = worker
        assignment.shift = by_pk[assignment.shift_id]
        clock_out(by=worker.user, assignment=assignment, at=assignment.shift.ends_at)

    values = compute(county, DAY)
    assert values["checkpoints_staffed"] == TOWNS
    assert values["shifts_covered"] == len(shifts)
    assert values["shift_gaps"] == 1
    assert values["people_on_duty"] == 167
    assert values["points_granted"] == 167 * 5
    assert PointEntry.objects.filter(kind=SHIFT_WORKED).count() == 167
    assert {"checkpoints_staffed", "passages_people", "referred"} <= set(FIGURES)
    assert empty.pk
