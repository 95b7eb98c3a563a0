"""Issue 15 (left over): on "my duty" a volunteer sees who is on the shift with them, who hands
over and who takes over at the same post, and calls them: a POST shows the number in full as a
``tel:`` link, audited; nobody else's colleagues can be called (404), and a GET reveals nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.checkpoints.tests.factories import make_checkpoint
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.monitoring.tests.factories import local
from fangkong.workforce import services
from fangkong.workforce.models import Worker
from fangkong.workforce.tests.factories import make_post, make_shift, make_worker

DAY = dt.date(2020, 2, 3)


@pytest.fixture
def duty(tree, users, clock):
    clock.set(local(DAY, 7, 30))
    post = make_post(tree["qianjin"], checkpoint=make_checkpoint(tree["qianjin"]))
    other_post = make_post(tree["qianjin"], "前进村西口岗")
    me = make_worker(tree["qianjin_g1"], "志愿者甲", user=users["grid_worker"])
    mate = Worker.objects.create(
        area=tree["qianjin_g1"], name="志愿者乙", kind="volunteer", phone="13912345671"
    )
    night = Worker.objects.create(
        area=tree["qianjin_g1"], name="志愿者丙", kind="volunteer", phone="13912345672"
    )
    elsewhere = Worker.objects.create(
        area=tree["qianjin_g1"], name="志愿者丁", kind="volunteer", phone="13912345673"
    )
    morning, evening = make_shift(post, DAY, 8), make_shift(post, DAY, 16)
    assign = lambda shift, worker: services.shift_assign(  # noqa: E731
        by=users["cadre"], shift=shift, worker=worker
    )
    return {
        "mine": assign(morning, me),
        "mate": assign(morning, mate),
        "next": assign(evening, night),
        "elsewhere": assign(make_shift(other_post, DAY, 8), elsewhere),
    }


def test_my_duty_lists_my_partners_and_calls_them_audited(client, users, duty):
    client.force_login(users["grid_worker"])
    page = client.get("/workforce/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "同班" in page and "志愿者乙" in page
    assert "下一班（接我的班）" in page and "志愿者丙" in page
    assert "志愿者丁" not in page  # another post
    assert "13912345671" not in page  # numbers only on asking
    url = f"/workforce/assignments/{duty['mate'].pk}/call/"
    assert client.get(url).status_code == 405  # a GET (a prefetch) reveals nothing
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    shown = client.post(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'href="tel:13912345671"' in shown
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert event.user == users["grid_worker"] and event.field == "phone"
    assert "13912345671" not in (event.detail or "")
    after = client.post(f"/workforce/assignments/{duty['next'].pk}/call/").content.decode()
    assert 'href="tel:13912345672"' in after


def test_nobody_else_can_call_them(client, tree, users, duty):
    client.force_login(users["grid_worker"])
    # a volunteer at another post is not my partner
    assert client.post(f"/workforce/assignments/{duty['elsewhere'].pk}/call/").status_code == 404
    # a cadre of another village
    client.force_login(users["stranger"])
    assert client.post(f"/workforce/assignments/{duty['mate'].pk}/call/").status_code == 404
    # a worker of the village who is on none of these shifts
    idle = UserFactory(username="idle", role=Role.GRID_WORKER, area=tree["qianjin_g1"])
    make_worker(tree["qianjin_g1"], "闲人", user=idle)
    client.force_login(idle)
    assert client.post(f"/workforce/assignments/{duty['mate'].pk}/call/").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    # the village cadre organises the duty: may call anyone on it (audited)
    client.force_login(users["cadre"])
    shown = client.post(f"/workforce/assignments/{duty['elsewhere'].pk}/call/").content.decode()
    assert 'href="tel:13912345673"' in shown
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 1
    client.logout()
    response = client.post(f"/workforce/assignments/{duty['mate'].pk}/call/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_duty_page_stays_a_constant_number_of_queries(client, tree, users, duty):
    client.force_login(users["grid_worker"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/workforce/").status_code == 200
        return len(captured)

    before = queries()
    for n in range(3):  # three more on my shift
        more = Worker.objects.create(area=tree["qianjin_g1"], name=f"志愿者{n}", kind="volunteer")
        services.shift_assign(by=users["cadre"], shift=duty["mine"].shift, worker=more)
    assert queries() == before <= 8
