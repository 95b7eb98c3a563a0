"""Rosters, gaps, swaps with a reason, clock-in and clock-out with late and missed flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.checkpoints.tests.factories import make_checkpoint
from fangkong.monitoring.tests.factories import local
from fangkong.workforce import services
from fangkong.workforce.figures import duty_figures
from fangkong.workforce.models import PointEntry, PointRule, Shift, ShiftSwap
from fangkong.workforce.tests.factories import make_post, make_shift, make_worker, three_shifts

DAY = dt.date(2020, 2, 3)


@pytest.fixture
def post(tree):
    return make_post(tree["qianjin"], checkpoint=make_checkpoint(tree["qianjin"]))


def test_a_roster_of_24_hours_in_three_shifts(users, post, clock):
    clock.set(local(DAY, 7))
    created = services.roster_generate(
        by=users["cadre"], post=post, pattern=three_shifts(), first_day=DAY, days=7
    )
    assert created == 21
    again = services.roster_generate(
        by=users["cadre"], post=post, pattern=three_shifts(), first_day=DAY, days=7
    )
    assert again == 0
    first = Shift.objects.filter(day=DAY).order_by("starts_at")
    assert [s.starts_at for s in first] == [local(DAY, 0), local(DAY, 8), local(DAY, 16)]
    assert all(s.ends_at - s.starts_at == dt.timedelta(hours=8) for s in first)
    with pytest.raises(PermissionDenied):
        services.roster_generate(
            by=users["stranger"], post=post, pattern=three_shifts(), first_day=DAY, days=1
        )


def test_gaps_are_shifts_with_too_few_people(users, post, tree, clock):
    clock.set(local(DAY, 6))
    a, b = make_worker(tree["qianjin"], "甲"), make_worker(tree["qianjin"], "乙")
    morning = make_shift(post, DAY, 8)
    evening = make_shift(post, DAY, 16)
    services.shift_assign(by=users["cadre"], shift=morning, worker=a)
    services.shift_assign(by=users["cadre"], shift=morning, worker=b)
    services.shift_assign(by=users["cadre"], shift=evening, worker=a)
    with pytest.raises(ValidationError):
        services.shift_assign(by=users["cadre"], shift=evening, worker=a)
    figures = duty_figures(tree["township"], DAY)
    assert (figures.shifts, figures.covered, figures.gaps) == (2, 1, 1)


def test_a_swap_needs_a_reason_and_is_kept(users, post, tree, clock):
    clock.set(local(DAY, 6))
    a, b = make_worker(tree["qianjin"], "甲"), make_worker(tree["qianjin"], "乙")
    assignment = services.shift_assign(by=users["cadre"], shift=make_shift(post, DAY), worker=a)
    with pytest.raises(ValidationError):
        services.shift_swap(by=users["cadre"], assignment=assignment, to_worker=b, reason="")
    services.shift_swap(by=users["cadre"], assignment=assignment, to_worker=b, reason="生病")
    assignment.refresh_from_db()
    assert assignment.worker == b
    swap = ShiftSwap.objects.get()
    assert (swap.from_worker, swap.to_worker, swap.reason) == (a, b, "生病")


def test_clock_in_late_missed_and_clock_out_earns_points_once(users, post, tree, clock):
    PointRule.objects.create(county=tree["county"], kind=services.SHIFT_WORKED, points=5)
    me = make_worker(tree["qianjin_g1"], "网格员", user=users["grid_worker"])
    clock.set(local(DAY, 6))
    on_time = services.shift_assign(by=users["cadre"], shift=make_shift(post, DAY, 8), worker=me)
    late = services.shift_assign(by=users["cadre"], shift=make_shift(post, DAY, 16), worker=me)
    missed = services.shift_assign(
        by=users["cadre"], shift=make_shift(post, DAY, 7, hours=1), worker=me
    )
    with pytest.raises(ValidationError):  # opens half an hour before
        services.clock_in(by=users["grid_worker"], assignment=on_time, at=local(DAY, 7))
    with pytest.raises(PermissionDenied):  # one's own shift only
        services.clock_in(by=users["cadre"], assignment=on_time, at=local(DAY, 8))
    done = services.clock_in(by=users["grid_worker"], assignment=on_time, at=local(DAY, 8, 5))
    assert not done.late
    assert missed.missed(local(DAY, 7, 11))
    with pytest.raises(ValidationError):
        services.clock_in(by=users["grid_worker"], assignment=missed, at=local(DAY, 8, 30))
    figures = duty_figures(tree["qianjin"], DAY)
    assert (figures.on_duty, figures.checkpoints_staffed) == (1, 1)
    services.clock_out(by=users["grid_worker"], assignment=on_time, at=local(DAY, 16))
    with pytest.raises(ValidationError):
        services.clock_out(by=users["grid_worker"], assignment=on_time, at=local(DAY, 16, 1))
    assert services.clock_in(by=users["grid_worker"], assignment=late, at=local(DAY, 16, 11)).late
    entry = PointEntry.objects.get()
    assert (entry.worker, entry.user, entry.points, entry.kind) == (
        me,
        users["grid_worker"],
        5,
        "shift_worked",
    )
    assert entry.record_id == on_time.pk
    assert duty_figures(tree["township"], DAY).points == 5


def test_the_today_page_shows_my_shifts_and_my_households(client, users, post, tree, clock):
    from fangkong.registry.tests.factories import HouseholdFactory

    clock.set(local(DAY, 7, 50))
    me = make_worker(tree["qianjin_g1"], "网格员", user=users["grid_worker"])
    assignment = services.shift_assign(by=users["cadre"], shift=make_shift(post, DAY, 8), worker=me)
    households = [HouseholdFactory(area=tree["qianjin_g1"], head_name=f"联户{i}") for i in range(3)]
    services.contacts_assign(by=users["cadre"], worker=me, households=households)
    client.force_login(users["grid_worker"])
    page = client.get("/workforce/").content.decode()
    assert "联户0" in page and "联户2" in page
    assert f"/workforce/assignments/{assignment.pk}/clock-in/" in page
    client.post(f"/workforce/assignments/{assignment.pk}/clock-in/")
    assignment.refresh_from_db()
    assert assignment.clock_in_at is not None
    client.force_login(users["stranger"])
    assert client.post(f"/workforce/assignments/{assignment.pk}/clock-out/").status_code == 404


def test_the_roster_page_lists_gaps_by_post_and_time(client, users, post, tree, clock):
    clock.set(local(DAY, 6))
    make_shift(post, DAY, 8)
    client.force_login(users["cadre"])
    page = client.get(f"/workforce/roster/?day={DAY}").content.decode()
    assert post.name in page and "0/2" in page
    client.force_login(users["stranger"])
    assert post.name not in client.get(f"/workforce/roster/?day={DAY}").content.decode()
