"""One checkpoint day and one daily-report day of February 2020, re-enacted and compared with what
the paper forms of the time say.

前进村东口 kept a 卡口登记表 (time, in/out, person or plate, people, temperature, from where,
outcome); the village sent its 日报 "截至下午4时" to 火车站乡 before 16:00, and the township sent
its sheet to the county at 17:00. The figures below are the form's own tallies, counted by hand
from the register lines (the comments say which lines), never from fangkong's code:

  line  time          dir  who                          people  temp          outcome
  a     02-02 15:20   in   on foot                      1       36.5          let in (in 02-02's report)
  b     02-02 16:20   in   car 湘E·A1234 from 长沙       2       36.5          let in
  c     02-02 18:05   out  on foot                      1       36.6          let out
  d     02-02 21:40   in   car 鄂A·C3456 from 湖北武汉   3       36.8/37.6/36.5  2 referred, 1 fever clinic
  e     02-03 07:30   out  truck 湘E·B5678 (vegetables)  1       36.4          let out
  f     02-03 09:10   in   on foot, visiting relatives  1       36.7          turned back
  g     02-03 10:00   in   car 湘E·D7890                 3       36.6          turned back
  h     02-03 15:30   in   on foot                      1       36.5          let in
  i     02-03 15:45   in   on foot                      1       36.6          let in (after the report went)
  j     02-03 13:20   in   on foot (typed at 18:30)     1       36.5          let in (paper line typed late)

The village reports at 15:40: its 02-03 report counts lines b–h (the report day since its 02-02
report at 15:50). Line i comes after it and is in the 02-04 report; line j is typed after the
township's sheet and goes up as an amendment the township sees and acknowledges.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.checkpoints import services as checkpoints
from fangkong.checkpoints.models import Outcome
from fangkong.checkpoints.services import OccupantDetails
from fangkong.checkpoints.tests.factories import make_checkpoint, person, vehicle
from fangkong.monitoring import services as monitoring
from fangkong.monitoring.tests.factories import local, open_case, resident_in
from fangkong.reports import rollup, services
from fangkong.reports.models import ReportVersion
from fangkong.screening.tests.factories import RiskAreaFactory

FEB2, FEB3, FEB4 = dt.date(2020, 2, 2), dt.date(2020, 2, 3), dt.date(2020, 2, 4)


@pytest.fixture
def scene(tree, users, clock):
    RiskAreaFactory(name="湖北省", level="province", code="420000000000")
    staff = UserFactory(username="volunteer", role=Role.CHECKPOINT_STAFF, area=tree["qianjin"])
    gate = make_checkpoint(tree["qianjin"], name="前进村东口")
    # A returnee under observation since 01-20: his 14 days end on 02-03.
    clock.set(local(dt.date(2020, 1, 20), 8))
    old = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=dt.date(2020, 1, 20))
    # The county lets villages amend alone until 20:00 (its settings, through the API).
    api = APIClient()
    api.force_authenticate(users["county_admin"])
    url = reverse("county_settings-detail", args=[tree["county"].pk])
    assert api.patch(url, {"amend_alone_until": "20:00"}, format="json").status_code == 200
    return {"staff": staff, "gate": gate, "old": old}


def _line(clock, scene, at, details, outcome, temperature=None, typed=None):  # type: ignore[no-untyped-def]
    clock.set(typed or at)
    return checkpoints.passage_register(
        by=scene["staff"],
        checkpoint=scene["gate"],
        details=details,
        outcome=outcome,
        temperature=temperature,
        at=at,
    )


CHECKPOINT_FIGURES = [
    "passages_vehicles",
    "passages_people",
    "passages_people_in",
    "passages_people_out",
    "turned_back",
    "referred",
    "checkpoint_fevers",
    "checkpoint_risk_arrivals",
]


def test_a_checkpoint_day_and_a_report_day_of_february_2020(tree, users, clock, scene):
    qianjin, baiyun, township = tree["qianjin"], tree["baiyun"], tree["township"]
    allowed, back = Outcome.ALLOWED, Outcome.TURNED_BACK

    returning = resident_in(tree["qianjin_g2"], name="王五")  # in the register, away
    _line(clock, scene, local(FEB2, 15, 20), person(), allowed, "36.5")  # a
    clock.set(local(FEB2, 15, 50))
    feb2 = services.report_submit(by=users["cadre"], area=qianjin, day=FEB2)
    assert feb2.figures["passages_people_in"] == 1  # line a
    _line(
        clock,
        scene,
        local(FEB2, 16, 20),
        vehicle("湘EA1234", 2, travel_from="长沙"),
        allowed,
        "36.5",
    )  # b
    _line(clock, scene, local(FEB2, 18, 5), person(direction="out"), allowed, "36.6")  # c
    # 20:00: a returnee from 广州 put under observation after the village reported.
    clock.set(local(FEB2, 20))
    evening = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=FEB2)
    wuhan = vehicle(
        "鄂AC3456",
        3,
        travel_from="湖北武汉",
        occupants=[
            OccupantDetails(name="张三", phone="13900000001", temperature="36.8"),
            OccupantDetails(name="李四", phone="13900000002", temperature="37.6"),
            OccupantDetails(name="张小", phone="13900000003", temperature="36.5"),
        ],
    )
    car = _line(clock, scene, local(FEB2, 21, 40), wuhan, Outcome.REFERRED, "36.8")  # d
    assert sorted(o.outcome for o in car.occupants.all()) == [
        Outcome.FEVER_CLINIC,
        Outcome.REFERRED,
        Outcome.REFERRED,
    ]
    _line(
        clock, scene, local(FEB3, 7, 30), vehicle("湘EB5678", 1, direction="out"), allowed, "36.4"
    )  # e
    clock.set(local(FEB3, 9))
    morning = open_case(by=users["cadre"], area=tree["qianjin_g2"], start=FEB3)
    _line(clock, scene, local(FEB3, 9, 10), person(purpose="走亲戚"), back, "36.7")  # f
    _line(clock, scene, local(FEB3, 10), vehicle("湘ED7890", 3), back, "36.6")  # g
    clock.set(local(FEB3, 10, 30))
    monitoring.case_release(by=users["doctor"], case=scene["old"])
    _line(clock, scene, local(FEB3, 15, 30), person(), allowed, "36.5")  # h

    clock.set(local(FEB3, 15, 40))
    report = services.report_submit(by=users["cadre"], area=qianjin, day=FEB3)
    assert (report.window_start, report.window_end) == (local(FEB2, 15, 50), local(FEB3, 15, 40))
    # The form's tallies, line by line.
    form = {
        "passages_vehicles": 4,  # b, d, e, g
        "passages_people": 7,  # in: b 2 + d 2 referred + h 1; out: c 1 + e 1
        "passages_people_in": 5,
        "passages_people_out": 2,
        "turned_back": 4,  # f 1 + g 3
        "referred": 2,  # 张三, 张小
        "checkpoint_fevers": 1,  # 李四 37.6
        "checkpoint_risk_arrivals": 3,  # everyone in the car from 武汉
    }
    assert {k: report.figures[k] for k in CHECKPOINT_FIGURES} == form
    # The report day's cases: the 20:00 returnee and the morning one are new; one released.
    assert report.figures["new_today"] == 2
    assert report.figures["released_today"] == 1
    assert report.figures["monitored_now"] == 2 and report.figures["at_home"] == 2
    assert not report.late and not report.is_zero
    assert evening.opened_at < report.window_end and morning.opened_at < report.window_end

    # After the report, before the cut-off: line i. 17:00: another returnee. 白云村 reports.
    _line(clock, scene, local(FEB3, 15, 45), person(), allowed, "36.6")  # i
    clock.set(local(FEB3, 15, 55))
    services.report_submit(by=users["stranger"], area=baiyun, day=FEB3)
    clock.set(local(FEB3, 17))
    sheet = services.sheet_submit(by=users["township"], area=township, day=FEB3)
    assert sheet.figures["passages_people_in"] == 5 and sheet.figures["new_today"] == 2
    # A returnee of a household in the register comes back in the evening.
    late_case = open_case(by=users["cadre"], resident=returning, start=FEB3)

    # 18:30: the volunteer types the paper line j (13:20); 19:00 the village amends.
    _line(clock, scene, local(FEB3, 13, 20), person(), allowed, "36.5", typed=local(FEB3, 18, 30))
    clock.set(local(FEB3, 19))
    amended = services.report_amend(by=users["cadre"], report=report, reason="补录卡口纸质登记")
    assert amended.version == 2
    assert amended.figures["passages_people_in"] == 6 and amended.figures["passages_people"] == 8
    # The rest of the form is what it was: the 17:00 case and line i are not in this report day.
    unchanged = {
        k: v for k, v in form.items() if k not in {"passages_people", "passages_people_in"}
    }
    assert {k: amended.figures[k] for k in unchanged} == unchanged
    assert amended.figures["new_today"] == 2
    # The township sees the amendment made after its sheet went up, with what changed.
    result = rollup.rollup(township, FEB3)
    [late] = result.amendments
    assert late.area == qianjin and late.version.number == 2
    assert late.version.reason == "补录卡口纸质登记" and late.version.at == local(FEB3, 19)
    # Only the figures the typed line changes: the figures of the state (under observation now,
    # in total) stay as they stood at the report's end, without the 17:00 case.
    assert {(c.figure.key, c.before, c.after) for c in late.changes} == {
        ("passages_people", 7, 8),
        ("passages_people_in", 5, 6),
    }
    services.amendment_acknowledge(by=users["township"], version=late.version)
    assert ReportVersion.objects.get(pk=late.version.pk).acknowledged_by == users["township"]
    # Past the county's 20:00, the village no longer amends alone.
    clock.set(local(FEB3, 20, 30))
    with pytest.raises(ValidationError):
        services.report_amend(by=users["cadre"], report=amended, reason="再补")

    # The next report day holds what came after the 15:40 report: line i and the 17:00 case.
    clock.set(local(FEB4, 15))
    feb4 = services.report_submit(by=users["cadre"], area=qianjin, day=FEB4)
    assert feb4.window_start == local(FEB3, 15, 40)
    assert feb4.figures["passages_people_in"] == 1  # line i; j stays in 02-03's
    assert feb4.figures["passages_vehicles"] == 0
    assert feb4.figures["new_today"] == 1 and late_case.opened_at >= feb4.window_start
    assert feb4.figures["released_today"] == 0
