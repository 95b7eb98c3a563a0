"""The county settings page and ``/api/v1/county-settings/<id>/``: the county administrator sets
the report cut-off, how long villages may amend alone, the temperature check-ins (names and
windows) and how long a mistaken case end may be undone; each change audited, a later policy
never rewriting the cases opened before it; another county's administrator refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditEvent
from fangkong.monitoring import services as monitoring
from fangkong.monitoring.models import ObservationPolicy
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.reports import county_settings, figures
from fangkong.reports.models import ReportDeadline

DAY = dt.date(2026, 11, 20)
URL = reverse("reports:settings")
GOOD = {
    "which": "observation",
    "slot1_name": "早",
    "slot1_start": "06:30",
    "slot1_end": "10:00",
    "slot2_name": "晚(睡前)",
    "slot2_start": "17:00",
    "slot2_end": "22:30",
    "end_undo_hours": "24",
}


@pytest.fixture
def today(clock):
    return clock.set(local(DAY, 9))


@pytest.fixture
def other_admin(tree):
    other = AreaFactory(name="北塔区", level=Level.COUNTY, code="430511000000")
    return UserFactory(username="beita_admin", role=Role.COUNTY_ADMIN, area=other)


def test_the_page_shows_what_is_in_force(client, users, tree, today):
    client.force_login(users["county_admin"])
    with translation.override("zh-hans"):
        page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "体温" in body and 'value="22:00"' in body  # the seeded evening window
    assert page.context["observation_form"].initial["end_undo_hours"] == 72


def test_check_ins_and_undo_window_from_today_old_cases_keep_theirs(client, users, tree, today):
    before = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY)
    client.force_login(users["county_admin"])
    assert client.post(URL, GOOD).status_code == 302
    own = ObservationPolicy.objects.get(county=tree["county"])
    assert own.effective_from == DAY
    assert (own.slot1_start, own.slot2_end, own.end_undo_hours) == (
        dt.time(6, 30),
        dt.time(22, 30),
        24,
    )
    assert own.slot_label(2) == "晚(睡前) 17:00–22:30"
    before.refresh_from_db()
    assert before.policy != own and before.policy.slot2_end == dt.time(22)
    after = open_case(by=users["cadre"], area=tree["qianjin_g2"], start=DAY)
    assert after.policy == own
    # A second change the same day changes today's own policy, not a third one.
    assert client.post(URL, {**GOOD, "end_undo_hours": "12"}).status_code == 302
    assert ObservationPolicy.objects.filter(county=tree["county"]).count() == 1
    # The undo window of an end is the county's, in force on the day of the end.
    monitoring.case_end_early(by=users["doctor"], case=after, reason="转往定点医院")
    after.refresh_from_db()
    assert monitoring.end_undo_until(after) == local(DAY, 9) + dt.timedelta(hours=12)
    events = AuditEvent.objects.filter(detail__startswith="county settings:")
    assert [e.detail for e in events.order_by("pk")] == [
        "county settings: slot1_name, slot1_start, slot1_end, slot2_name, slot2_start, "
        "slot2_end, end_undo_hours",
        "county settings: end_undo_hours",
    ]
    assert {e.user for e in events} == {users["county_admin"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slot1_end": "05:00"}, "slot1_end"),
        ({"slot2_start": "09:00"}, "slot2_start"),
        ({"slot2_end": "16:00"}, "slot2_end"),
        ({"end_undo_hours": "-1"}, "end_undo_hours"),
        ({"end_undo_hours": "9999"}, "end_undo_hours"),
        ({"slot1_start": "25:00"}, "slot1_start"),
        ({"slot2_name": "晚" * 21}, "slot2_name"),
    ],
)
def test_bad_settings_are_named_and_nothing_is_written(client, users, tree, today, change, field):
    client.force_login(users["county_admin"])
    with translation.override("zh-hans"):
        response = client.post(URL, {**GOOD, **change})
    assert response.status_code == 200
    assert response.context["observation_form"].errors[field]
    assert not ObservationPolicy.objects.filter(county=tree["county"]).exists()
    assert not AuditEvent.objects.filter(detail__startswith="county settings:").exists()


def test_another_county_admin_sets_only_his_own_county(client, users, tree, today, other_admin):
    client.force_login(other_admin)
    assert client.post(URL, GOOD).status_code == 302
    assert not ObservationPolicy.objects.filter(county=tree["county"]).exists()
    assert ObservationPolicy.objects.filter(county=other_admin.area).count() == 1
    assert county_settings.county_settings(tree["county"])["slot2_end"] == dt.time(22)


@pytest.mark.parametrize("who", ["township", "cadre", "doctor", "viewer", "stranger"])
def test_other_roles_may_not_see_the_settings(client, users, tree, today, who):
    client.force_login(users[who])
    assert client.get(URL).status_code == 403
    assert client.post(URL, GOOD).status_code == 403
    assert not ObservationPolicy.objects.filter(county=tree["county"]).exists()


def test_api_reads_and_patches_the_county_settings(users, tree, today):
    api = APIClient()
    url = reverse("county_settings-detail", args=[tree["county"].pk])
    api.force_authenticate(users["county_admin"])
    body = api.get(url).json()
    assert body["cutoff"] == "16:00:00" and body["slot2_end"] == "22:00:00"
    assert body["end_undo_hours"] == 72 and body["county"] == tree["county"].pk
    changed = api.patch(
        url, {"cutoff": "15:00", "amend_alone_until": "18:00", "slot2_end": "21:30"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["cutoff"] == "15:00:00" and changed.json()["slot2_end"] == "21:30:00"
    assert figures.report_day(tree["qianjin"], DAY) == (
        local(DAY - dt.timedelta(days=1), 15),
        local(DAY, 15),
    )
    assert ReportDeadline.objects.due_times(tree["county"].pk)["amend_alone"] == dt.time(18)
    assert AuditEvent.objects.get(detail__startswith="county settings:").detail == (
        "county settings: cutoff, amend_alone_until, slot2_end"
    )
    bad = api.patch(url, {"slot2_start": "23:00"}, format="json")
    assert bad.status_code == 400 and "slot2_end" in bad.json()
    order = api.patch(url, {"deadline": "19:00"}, format="json")
    assert order.status_code == 400 and "township_deadline" in order.json()
    assert api.patch(url, {"end_undo_hours": "many"}, format="json").status_code == 400
    assert api.get(url).json()["slot2_end"] == "21:30:00"


def test_api_refuses_strangers_roles_and_anonymous(users, tree, today, other_admin):
    api = APIClient()
    url = reverse("county_settings-detail", args=[tree["county"].pk])
    assert api.get(url).status_code in {401, 403}
    api.force_authenticate(other_admin)
    assert api.get(url).status_code == 404
    assert api.patch(url, {"cutoff": "12:00"}, format="json").status_code == 404
    own = reverse("county_settings-detail", args=[other_admin.area.pk])
    assert api.get(own).status_code == 200
    assert api.get(reverse("county_settings-detail", args=[999999])).status_code == 404
    for who in ("township", "cadre", "viewer"):
        api.force_authenticate(users[who])
        assert api.get(url).status_code == 403
        assert api.patch(url, {"cutoff": "12:00"}, format="json").status_code == 403
    assert not ReportDeadline.objects.exists()


def test_a_county_without_any_policy_gets_the_standard_values_and_saves_its_own(
    client, users, tree, today
):
    """A database without the seeded policy (or with it deleted): the page shows the standard
    values and says so, instead of failing; saving them makes the county's own policy, and then
    an observation can be opened."""
    ObservationPolicy.objects.all().delete()
    client.force_login(users["county_admin"])
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert 'id="no-policy"' in page.text and "当前没有生效的观察方案" in page.text
    initial = page.context["observation_form"].initial
    assert initial["slot2_end"] == dt.time(22) and initial["end_undo_hours"] == 72
    api = APIClient()
    api.force_authenticate(users["county_admin"])
    got = api.get(f"/api/v1/county-settings/{tree['county'].pk}/")
    assert got.status_code == 200 and got.json()["slot1_start"] == "06:00:00"
    data = {
        "which": "observation",
        **{k: v.strftime("%H:%M") if isinstance(v, dt.time) else v for k, v in initial.items()},
    }
    assert client.post(URL, data).status_code == 302
    policy = ObservationPolicy.objects.get()
    assert policy.county == tree["county"] and policy.effective_from == DAY
    assert open_case(by=users["cadre"], area=tree["qianjin_g1"], start=DAY).policy == policy
