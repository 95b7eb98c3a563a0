"""Each figure is a count over the records for (area, date); the aggregate agrees with each."""

from __future__ import annotations

import datetime as dt

from fangkong.monitoring import figures, services
from fangkong.monitoring.tests.factories import local, open_case

D = dt.date(2020, 2, 1)


def test_figures_for_an_area_and_a_day(users, tree, clock):
    clock.set(local(D, 7))
    home = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    open_case(by=users["cadre"], area=tree["qianjin_g2"], start=D, mode="centralised")
    open_case(by=users["stranger"], area=tree["baiyun_g1"], start=D)  # another village
    proposed = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D, proposed=True)
    services.checkin_record(case=home, by=users["cadre"], temperature="37.5", day=D, slot=1)
    clock.set(local(D, 23))
    services.alerts_scan_missed(area=tree["county"])  # central: 2 missed, home: evening missed

    qianjin = tree["qianjin"]
    f = figures.monitoring_figures(qianjin, D)
    assert (f.monitored_total, f.monitored_now, f.at_home, f.centralised) == (2, 2, 1, 1)
    assert (f.new_today, f.released_today, f.released_total) == (2, 0, 0)
    assert (f.checkins_due, f.checkins_done) == (4, 1)
    assert (f.fever_alerts, f.missed_checkins) == (1, 3)
    assert figures.monitoring_figures(tree["township"], D).monitored_now == 3
    assert figures.monitored_now(qianjin, D) == 2
    assert figures.missed_checkins(qianjin, D) == 3
    assert figures.fever_alerts(qianjin, D) == 1
    assert proposed.status == "proposed"  # proposed cases are not counted until confirmed

    end = home.planned_end
    clock.set(local(end, 9))
    services.case_release(by=users["doctor"], case=home)
    f = figures.monitoring_figures(qianjin, end)
    assert (f.monitored_now, f.released_today, f.released_total, f.new_today) == (1, 1, 1, 0)
    assert figures.released_on(qianjin, end) == figures.released_total(qianjin, end) == 1
    # The day before release, the person was still counted as monitored.
    assert figures.monitored_now(qianjin, end - dt.timedelta(days=1)) == 2
    assert figures.new_on(qianjin, D) == 2
