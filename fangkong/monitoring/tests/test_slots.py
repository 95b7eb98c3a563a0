"""Temperature slots across a day in Asia/Shanghai: named as the rule names them (早/晚, or as
the policy sets), the worker's chosen round stays chosen, self-reports taken until the evening
window closes (and after it, marked late), and a late reading closes its missed alert and counts
as late, not missed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.monitoring import figures, services
from fangkong.monitoring.models import Alert, AlertKind, CheckIn, ObservationPolicy
from fangkong.monitoring.tests.factories import local, open_case
from fangkong.reports.figures import FIGURES

D = dt.date(2020, 2, 1)


@pytest.fixture
def evening_until_22(tree):
    """The county's own policy: 早 06:00–10:00, 晚 17:00–22:00."""
    return ObservationPolicy.objects.create(
        name="双清区 早晚体温",
        county=tree["county"],
        effective_from=D - dt.timedelta(days=10),
        slot1_start=dt.time(6),
        slot1_end=dt.time(10),
        slot2_start=dt.time(17),
        slot2_end=dt.time(22),
    )


def _link(client, users, case) -> str:
    client.force_login(users["cadre"])
    url = client.post(reverse("monitoring:case_link", args=[case.pk])).context["url"]
    client.logout()
    return url[url.index("/r/") :]


def test_slots_are_named_morning_and_evening_or_as_the_policy_says(db, evening_until_22):
    seeded = ObservationPolicy.objects.in_force_on(D)
    with translation.override("zh-hans"):
        assert (seeded.slot_name(1), seeded.slot_name(2)) == ("早", "晚")
        assert seeded.slot_label(2) == "晚 12:00–22:00"
    with translation.override("en"):
        assert (seeded.slot_name(1), seeded.slot_name(2)) == ("Morning", "Evening")
    evening_until_22.slot2_name = "晚间(睡前)"
    assert evening_until_22.slot_label(2) == "晚间(睡前) 17:00–22:00"


def test_self_report_walks_the_day(client, users, tree, clock, evening_until_22):
    clock.set(local(D, 6))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    assert case.policy == evening_until_22  # the county's own policy
    link = _link(client, users, case)
    offered = {}
    for hour in range(24):
        for minute in (0, 59):
            clock.set(local(D, hour, minute))
            response = client.get(link)
            context = response.context
            offered[(hour, minute)] = (
                (context["slot"], context["late"]) if context["slot"] else None
            )
    assert {offered[(h, 0)] for h in range(6)} == {None}  # before the morning opens
    assert {offered[(h, m)] for h in range(6, 10) for m in (0, 59)} == {(1, False)}
    assert {offered[(h, m)] for h in range(10, 17) for m in (0, 59)} == {(1, True)}
    assert {offered[(h, m)] for h in range(17, 22) for m in (0, 59)} == {(2, False)}
    assert {offered[(h, m)] for h in (22, 23) for m in (0, 59)} == {(2, True)}
    clock.set(local(D, 21, 30))  # after 20:00, inside the evening window: on time
    assert client.post(link, {"temperature": "36.5"}).status_code == 302
    reading = CheckIn.objects.get(slot=2)
    assert (reading.date, reading.late) == (D, False)


def test_a_late_reading_closes_its_missed_alert_and_counts_as_late(client, users, tree, clock):
    clock.set(local(D, 7))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)  # seeded 6–12, 12–22
    link = _link(client, users, case)
    clock.set(local(D, 22, 5))
    assert services.alerts_scan_missed(area=tree["county"]) == 2  # morning and evening
    village = tree["qianjin"]
    # Each slot counts in the report day in which it closed (cut-off 16:00): the morning (12:00)
    # in D's report, the evening (22:00) in the next day's, so none falls between two reports.
    assert FIGURES["missed_checkins"].value(village, D) == 1
    assert FIGURES["missed_checkins"].value(village, D + dt.timedelta(days=1)) == 1
    clock.set(local(D, 22, 40))  # the evening reading arrives by the link, late
    assert client.post(link, {"temperature": "36.7"}).status_code == 302
    late = CheckIn.objects.get(slot=2)
    assert late.late and late.source == "self"
    evening = Alert.objects.get(kind=AlertKind.MISSED, slot=2)
    assert (evening.is_open, evening.checkin, evening.action) == (False, late, "reached")
    assert Alert.objects.get(kind=AlertKind.MISSED, slot=1).is_open
    assert FIGURES["missed_checkins"].value(village, D) == 1
    assert FIGURES["missed_checkins"].value(village, D + dt.timedelta(days=1)) == 0
    assert FIGURES["late_checkins"].value(village, D) == 1
    assert figures.missed_checkins(village, D) == 1
    clock.set(local(D, 23))  # the grid worker enters the morning one he took on paper
    services.checkin_record(case=case, by=users["grid_worker"], temperature="36.4", day=D, slot=1)
    assert not Alert.objects.filter(kind=AlertKind.MISSED).open().exists()
    assert FIGURES["missed_checkins"].value(village, D) == 0
    assert FIGURES["missed_checkins"].value(village, D + dt.timedelta(days=1)) == 0
    assert FIGURES["late_checkins"].value(village, D) == 2
    assert FIGURES["checkins_done"].value(village, D) == 2


def test_the_seeded_policy_takes_an_evening_self_report_after_20_on_time(
    client, users, tree, clock
):
    """The 2020 rule: a morning and an evening reading. The seeded policy's evening window runs
    until 22:00, so a reading sent by the link at 21:30 is the evening's, on time, and the
    evening is not missed."""
    clock.set(local(D, 7))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    assert case.policy.effective_from == dt.date(2020, 1, 1) and case.policy.county is None
    assert case.policy.slot2_end == dt.time(22)
    link = _link(client, users, case)
    clock.set(local(D, 21, 30))
    context = client.get(link).context
    assert (context["slot"], context["late"]) == (2, False)
    assert client.post(link, {"temperature": "36.6"}).status_code == 302
    evening = CheckIn.objects.get(case=case, slot=2)
    assert (evening.date, evening.late, evening.source) == (D, False, "self")
    clock.set(local(D, 22, 5))
    services.alerts_scan_missed(area=tree["county"])
    assert not Alert.objects.filter(kind=AlertKind.MISSED, slot=2).exists()
    assert FIGURES["missed_checkins"].value(tree["qianjin"], D + dt.timedelta(days=1)) == 0


def test_the_worker_form_keeps_the_round_chosen(client, users, tree, clock):
    clock.set(local(D, 7))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)  # seeded 6–12, 12–20
    url = reverse("monitoring:checkin_create", args=[case.pk])
    client.force_login(users["grid_worker"])

    def preselected(hour: int, minute: int = 0, **params: str) -> int:
        clock.set(local(D, hour, minute))
        return client.get(url, params).context["form"].initial["slot"]

    assert preselected(7) == 1
    assert preselected(12, 10) == 1  # finishing the morning round, not the evening's
    assert preselected(12, 10, slot="2") == 2  # the round he chose stays chosen
    assert preselected(15) == 2
    assert preselected(8, slot="2") == 2
    clock.set(local(D, 12, 10))
    response = client.post(url, {"date": "2020-02-01", "slot": 1, "temperature": "36.5"})
    assert response.status_code == 302
    reading = CheckIn.objects.get()
    assert (reading.slot, reading.late) == (1, True)
    assert preselected(12, 20) == 2  # the morning is taken
    refused = client.post(url, {"date": "2020-02-01", "slot": 1, "temperature": "x"})
    assert refused.context["form"]["slot"].value() == "1"  # an error keeps the choice


def test_missed_checkins_of_a_report_day_with_no_slot_closed_yet_is_zero(tree, clock):
    # Far in the future (the API fuzzer asked for 4742-03-09): no slot has closed in that report
    # day, and the figure and its list still add up (a 500 once).
    clock.set(local(D, 7))
    far = dt.date(4742, 3, 9)
    assert FIGURES["missed_checkins"].value(tree["qianjin"], far) == 0
    assert FIGURES["missed_checkins"].value(tree["county"], far) == 0
