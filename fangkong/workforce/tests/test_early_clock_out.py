"""An early clock-out (issue 15): flagged on the person's page, the roster and in the API, and the
shift earns points only for the time worked (prorated, rounded down)."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.checkpoints.tests.factories import make_checkpoint
from fangkong.monitoring.tests.factories import local
from fangkong.workforce import services
from fangkong.workforce.models import PointEntry, PointRule
from fangkong.workforce.tests.factories import make_post, make_shift, make_worker

DAY = dt.date(2020, 2, 3)


@pytest.fixture
def setup(tree, users, clock):
    PointRule.objects.create(county=tree["county"], kind=services.SHIFT_WORKED, points=10)
    post = make_post(tree["qianjin"], checkpoint=make_checkpoint(tree["qianjin"]))
    me = make_worker(tree["qianjin_g1"], "网格员", user=users["grid_worker"])
    clock.set(local(DAY, 7, 50))
    assignment = services.shift_assign(by=users["cadre"], shift=make_shift(post, DAY, 8), worker=me)
    services.clock_in(by=users["grid_worker"], assignment=assignment, at=local(DAY, 8))
    return assignment


def test_leaving_at_half_time_is_flagged_and_earns_half_the_points(client, users, setup, clock):
    clock.set(local(DAY, 12))
    client.force_login(users["grid_worker"])
    response = client.post(f"/workforce/assignments/{setup.pk}/clock-out/", follow=True)
    text = response.content.decode()
    assert "早退" in text and "240" in text, text
    setup.refresh_from_db()
    assert setup.left_early and setup.worked == dt.timedelta(hours=4)
    assert PointEntry.objects.get().points == 5  # 10 × 4 h / 8 h

    client.force_login(users["cadre"])
    roster = client.get(f"/workforce/roster/?day={DAY}").content.decode()
    assert 'class="tag alert left-early"' in roster and "早退" in roster
    data = client.get(f"/api/v1/assignments/{setup.pk}/").json()
    assert data["left_early"] is True and data["worked_minutes"] == 240
    client.force_login(users["stranger"])
    assert client.get(f"/api/v1/assignments/{setup.pk}/").status_code == 404


def test_a_full_shift_within_the_grace_earns_all_its_points(users, setup):
    done = services.clock_out(by=users["grid_worker"], assignment=setup, at=local(DAY, 15, 55))
    assert not done.left_early and done.worked_share == 1.0
    assert PointEntry.objects.get().points == 10


def test_a_few_minutes_worked_earn_nothing_rather_than_a_rounded_point(users, setup):
    done = services.clock_out(by=users["grid_worker"], assignment=setup, at=local(DAY, 8, 20))
    assert done.left_early
    assert not PointEntry.objects.exists()  # 10 × 20 min / 8 h = 0.4: rounded down to none
