"""Figures from records, not from jobs; the fever clinic ends the home check-ins."""

from __future__ import annotations

import datetime as dt

from fangkong.monitoring import figures, services
from fangkong.monitoring.models import Alert, AlertKind, Status
from fangkong.monitoring.tests.factories import local, open_case

D = dt.date(2020, 2, 1)


def test_missed_check_ins_are_right_with_no_command_run(users, tree, clock):
    clock.set(local(D, 5))
    cases = [open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D) for _ in range(7)]
    clock.set(local(D, 9))
    services.checkin_record(case=cases[0], by=users["doctor"], temperature="36.5", day=D, slot=1)
    clock.set(local(D, 12, 30))  # the morning slot closed at 12:00, the afternoon one is open
    assert not Alert.objects.filter(kind=AlertKind.MISSED).exists()  # no scan, no cron
    village = tree["qianjin"]
    assert figures.monitoring_figures(village, D).missed_checkins == 6
    assert figures.missed_checkins(village, D) == 6
    assert figures.missed_checkins(tree["baiyun"], D) == 0  # another village's figure
    clock.set(local(D, 19))
    services.checkin_record(case=cases[1], by=users["doctor"], temperature="36.5", day=D, slot=2)
    clock.set(local(D, 23))  # both slots closed: 14 due, 2 in
    assert figures.monitoring_figures(village, D).missed_checkins == 12
    # The figure of a past day is what it was, and the same when the alerts exist too.
    services.alerts_scan_missed(area=tree["county"])
    assert figures.monitoring_figures(village, D).missed_checkins == 12
    assert figures.missed_checkins(village, D, now=local(D, 12, 30)) == 6


def test_a_case_opened_after_a_slot_closed_did_not_miss_it(users, tree, clock):
    clock.set(local(D, 13))
    open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    clock.set(local(D, 23))
    assert figures.missed_checkins(tree["qianjin"], D) == 1  # the evening only


def test_the_fever_clinic_ends_the_home_check_ins(users, tree, clock):
    clock.set(local(D - dt.timedelta(days=2), 9))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D - dt.timedelta(days=2))
    clock.set(local(D, 9))
    services.checkin_record(case=case, by=users["doctor"], temperature="38.1", day=D, slot=1)
    alert = Alert.objects.get(case=case, kind=AlertKind.FEVER)
    services.alert_handle(by=users["doctor"], alert=alert, action="fever_clinic", note="乡卫生院")
    case.refresh_from_db()
    assert case.status == Status.TRANSFERRED and case.ended_on == D
    assert case.events.filter(kind="ended_early", reason__contains="乡卫生院").exists()
    clock.set(local(D, 23))
    f = figures.monitoring_figures(tree["qianjin"], D)
    assert (f.monitored_now, f.checkins_due, f.missed_checkins) == (0, 0, 0)
    services.alerts_scan_missed(area=tree["county"])
    assert not Alert.objects.filter(case=case, kind=AlertKind.MISSED).exists()


def test_a_normal_recheck_keeps_the_person_at_home(users, tree, clock):
    clock.set(local(D, 9))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    services.checkin_record(case=case, by=users["doctor"], temperature="37.4", day=D, slot=1)
    alert = Alert.objects.get(case=case, kind=AlertKind.FEVER)
    services.alert_handle(by=users["doctor"], alert=alert, action="rechecked_normal")
    case.refresh_from_db()
    assert case.status == Status.ACTIVE
