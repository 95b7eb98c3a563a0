"""Ending a case: early ends follow the roles of a release and need a reason; a mistaken end or
release is undone within the time the county's policy sets, on the same case (its history kept,
the person counted once), never by opening a second case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.monitoring import figures, services
from fangkong.monitoring.models import ObservationCase, ObservationPolicy, Status
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.reports.figures import FIGURES

D = dt.date(2020, 2, 1)


@pytest.fixture
def case(users, tree, clock):
    clock.set(local(D, 7))
    return open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)


def test_ending_early_needs_a_releaser_and_a_reason(users, case):
    with pytest.raises(PermissionDenied):  # a grid worker records, a doctor or cadre ends
        services.case_end_early(by=users["grid_worker"], case=case, reason="排除")
    with pytest.raises(ValidationError):
        services.case_end_early(by=users["doctor"], case=case, reason="  ")
    ended = services.case_end_early(by=users["doctor"], case=case, reason="排除密接")
    assert (ended.status, ended.ended_on) == (Status.ENDED_EARLY, D)


def test_a_mistaken_end_is_undone_on_the_same_case_and_counted_once(users, tree, case, clock):
    area, day = tree["qianjin"], D + dt.timedelta(days=1)
    total = FIGURES["monitored_total"]
    assert total.value(area, day) == 1
    clock.set(local(D, 9))
    services.case_end_early(by=users["cadre"], case=case, reason="点错了人")
    assert figures.monitored_now(area, D) == 0
    with pytest.raises(ValidationError) as second:  # no second case while the end is undoable
        open_case(by=users["cadre"], resident=case.resident, start=D)
    assert "2020-02-01" in " ".join(second.value.message_dict["resident"])  # when it ended
    with pytest.raises(PermissionDenied):
        services.case_end_undo(by=users["grid_worker"], case=case, reason="误操作")
    clock.set(local(D + dt.timedelta(days=1), 8))  # the next morning, within 72 hours
    undone = services.case_end_undo(by=users["doctor"], case=case, reason="误操作,仍在观察期")
    assert (undone.status, undone.ended_on) == (Status.ACTIVE, None)
    assert ObservationCase.objects.count() == 1
    assert [e.kind for e in undone.events.order_by("at", "pk")] == [
        "opened",
        "ended_early",
        "end_undone",
    ]
    assert total.value(area, day) == 1
    assert figures.monitored_now(area, day) == 1
    with pytest.raises(ValidationError):  # not ended any more
        services.case_end_undo(by=users["doctor"], case=case, reason="again")


def test_the_county_sets_how_long_an_end_can_be_undone(users, tree, case, clock):
    ObservationPolicy.objects.create(
        name="双清区:撤销时限 12 小时",
        county=tree["county"],
        effective_from=D - dt.timedelta(days=30),
        end_undo_hours=12,
    )
    clock.set(local(D + dt.timedelta(days=14), 9))
    case = services.case_release(by=users["doctor"], case=case)
    clock.set(local(D + dt.timedelta(days=14), 20, 59))
    assert services.end_undo_until(case) == local(D + dt.timedelta(days=14), 21)
    clock.set(local(D + dt.timedelta(days=14), 21, 1))  # 12 hours and a minute later
    with pytest.raises(ValidationError):
        services.case_end_undo(by=users["doctor"], case=case, reason="迟了")
    second = open_case(by=users["cadre"], resident=case.resident, start=D + dt.timedelta(days=14))
    assert second.pk != case.pk  # after the window a new observation is a new case
    # another county's policy does not apply here
    assert ObservationPolicy.objects.in_force_on(D, tree["county"]).end_undo_hours == 12
    assert ObservationPolicy.objects.in_force_on(D).end_undo_hours == 72


def _other_county_admin():
    from fangkong.accounts.models import Role
    from fangkong.accounts.tests.factories import UserFactory
    from fangkong.areas.models import Level
    from fangkong.areas.tests.factories import AreaFactory

    county = AreaFactory(name="外县", level=Level.COUNTY, code="430503")
    return UserFactory(username="outsider", role=Role.COUNTY_ADMIN, area=county)


def test_undo_end_page_and_api(client, users, case, clock):
    outsider = _other_county_admin()
    url = reverse("monitoring:case_end_undo", args=[case.pk])
    end_url = reverse("monitoring:case_end_early", args=[case.pk])
    client.force_login(users["grid_worker"])
    assert client.post(end_url, {"reason": "x"}).status_code == 403
    client.force_login(users["stranger"])
    assert client.post(end_url, {"reason": "x"}).status_code == 404
    client.force_login(users["cadre"])
    assert client.post(end_url, {"reason": "点错"}).status_code == 302
    detail = client.get(reverse("monitoring:case_detail", args=[case.pk])).content.decode()
    assert url in detail
    client.force_login(users["grid_worker"])
    assert client.post(url, {"reason": "x"}).status_code == 403
    for stranger in (users["stranger"], outsider):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(users["viewer"])
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(users["doctor"])
    assert client.post(url, {"reason": ""}).status_code == 200  # the reason is required
    assert client.post(url, {"reason": "误操作"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ACTIVE

    api = APIClient()
    end, undo = f"/api/v1/cases/{case.pk}/end/", f"/api/v1/cases/{case.pk}/undo-end/"
    api.force_authenticate(users["grid_worker"])
    assert api.post(end, {"reason": "x"}).status_code == 403
    api.force_authenticate(users["stranger"])
    assert api.post(end, {"reason": "x"}).status_code == 404
    api.force_authenticate(users["doctor"])
    assert api.post(end, {}).status_code == 400
    ended = api.post(end, {"reason": "转院", "transferred": True}, format="json")
    assert ended.status_code == 200 and ended.json()["status"] == "transferred"
    api.force_authenticate(users["grid_worker"])
    assert api.post(undo, {"reason": "x"}).status_code == 403
    for stranger in (users["stranger"], outsider):
        api.force_authenticate(stranger)
        assert api.post(undo, {"reason": "x"}).status_code == 404
        assert api.post(end, {"reason": "x"}).status_code == 404
    api.force_authenticate(users["cadre"])
    undone = api.post(undo, {"reason": "误操作"}, format="json")
    assert undone.status_code == 200 and undone.json()["status"] == "active"
    assert ObservationCase.objects.count() == 1


def test_the_release_time_is_kept_and_filled_in_for_cases_released_before_it(
    users, tree, case, clock
):
    """``released_today`` counts a release in the report day of when it was recorded: the time
    is kept on the case, and the migration fills it in from the case's history for the cases
    released before (one without a release event counts on the start of its date)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("fangkong.monitoring.migrations.0006_case_ended_at")
    clock.set(local(case.planned_end, 18, 30))  # released after the 16:00 cut-off
    services.case_release(by=users["doctor"], case=case)
    case.refresh_from_db()
    assert case.ended_at == local(case.planned_end, 18, 30)
    village, day = tree["qianjin"], case.planned_end
    released = FIGURES["released_today"]
    assert (released.value(village, day), released.value(village, day + dt.timedelta(days=1))) == (
        0,
        1,
    )
    clock.set(local(D, 8))
    bare = open_case(by=users["cadre"], area=tree["qianjin_g2"], start=D)
    ObservationCase.objects.filter(pk=bare.pk).update(status=Status.RELEASED, ended_on=day)
    ObservationCase.objects.filter(pk=case.pk).update(ended_at=None)  # as before the field
    migration.ended_at_from_history(apps, None)
    case.refresh_from_db()
    bare.refresh_from_db()
    assert case.ended_at == local(case.planned_end, 18, 30) and bare.ended_at is None
    assert released.value(village, day) == 1  # the bare one, on the start of its date
    assert released.value(village, day + dt.timedelta(days=1)) == 1
    # An undone release forgets its time.
    clock.set(local(day, 19))
    services.case_end_undo(by=users["doctor"], case=case, reason="误操作")
    case.refresh_from_db()
    assert (case.ended_on, case.ended_at) == (None, None)
