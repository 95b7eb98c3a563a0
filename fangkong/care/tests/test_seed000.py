"""Seed 000 replayed: during 新联村's whole-village home observation (315 households, 1,334
people), 17 party members each looking after about 10 households ran 1,200+ errands and bought
100,000+ yuan of daily necessities; a doctor visited a cancer patient every week. The errands are
bulk-created (the scale of the seed), the totals come from the same figure functions as the
report."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from fangkong.accounts.models import Role, User
from fangkong.areas.models import Area, Level
from fangkong.care import figures, services
from fangkong.care.models import Errand, ErrandKind, ErrandSource, ErrandStatus
from fangkong.core.clock import local_tz
from fangkong.monitoring.tests.factories import local
from fangkong.registry.models import Household
from fangkong.registry.tests.factories import ResidentFactory
from fangkong.reports import figures as report_figures

START = dt.date(2020, 1, 24)  # 除夕: the first case, the village closed
END = dt.date(2020, 2, 7)  # 14 days of home observation
HOUSEHOLDS, PARTY_MEMBERS, ERRANDS = 315, 17, 1236


def _village() -> Area:
    county = Area.objects.create(name="嘉善县", level=Level.COUNTY, code="330421000000")
    town = Area.objects.create(
        name="天凝镇", level=Level.TOWNSHIP, code="330421101000", parent=county
    )
    return Area.objects.create(name="新联村", level=Level.VILLAGE, code="330421101201", parent=town)


def test_seed_000_errands_and_the_weekly_doctor(db, clock):
    clock.set(local(END, 18))
    village = _village()
    rng = random.Random(20200124)  # noqa: S311
    households = Household.objects.bulk_create(
        Household(
            county_id=village.county_id,
            area=village,
            address=f"新联村{n + 1}号",
            head_name=f"户主{n + 1}",
        )
        for n in range(HOUSEHOLDS)
    )
    members = [
        User.objects.create(
            username=f"party{n + 1}", first_name=f"党员{n + 1}", role=Role.GRID_WORKER, area=village
        )
        for n in range(PARTY_MEMBERS)
    ]
    errands, spent = [], Decimal(0)
    for n in range(ERRANDS):
        day = START + dt.timedelta(days=n % 15)
        at = dt.datetime.combine(day, dt.time(9 + n % 8), tzinfo=local_tz())
        money = Decimal(rng.randint(3000, 14000)) / 100  # 30–140 yuan of vegetables, rice, medicine
        spent += money
        household = households[n % HOUSEHOLDS]
        errands.append(
            Errand(
                county_id=village.county_id,
                household=household,
                kind=rng.choice(
                    [
                        ErrandKind.GROCERIES,
                        ErrandKind.GROCERIES,
                        ErrandKind.MEDICINE,
                        ErrandKind.GAS_WATER,
                    ]
                ),
                details="蔬菜、米面",
                source=ErrandSource.PHONE,
                status=ErrandStatus.DONE,
                requested_at=at,
                requested_on=day,
                assignee=members[(n % HOUSEHOLDS) // 19 % PARTY_MEMBERS],  # ~10 households each
                closed_at=at + dt.timedelta(hours=3),
                closed_on=day,
                money_spent=money,
            )
        )
    Errand.objects.bulk_create(errands, batch_size=500)

    f = figures.errand_figures(village, END)
    assert f.done_total == ERRANDS >= 1200
    assert f.money_total == spent >= 100_000
    # The report of the next day (截至下午4时) holds every errand; END's own report those done by
    # its 16:00 cut-off, the evening's being in the next one.
    report = report_figures.compute(village, END + dt.timedelta(days=1))
    assert report["errands_done_total"] == ERRANDS
    assert report["errands_money_total"] == float(spent)
    cutoff = dt.datetime.combine(END, dt.time(16), tzinfo=local_tz())
    evening = [e for e in errands if e.closed_on == END and e.closed_at >= cutoff]
    assert evening
    on_end = report_figures.compute(village, END)
    assert on_end["errands_done_total"] == ERRANDS - len(evening)
    assert on_end["errands_money_total"] == float(spent - sum(e.money_spent for e in evening))
    totals = figures.errand_totals(village.parent, END)
    assert [(t.label, t.done, t.money_spent) for t in totals.villages] == [
        ("新联村", ERRANDS, spent)
    ]
    assert len(totals.people) == PARTY_MEMBERS
    assert sum(t.done for t in totals.people) == ERRANDS

    # A cancer patient: the doctor comes every week, and no visit is ever late.
    doctor = User.objects.create(username="xinlian_doctor", role=Role.DOCTOR, area=village)
    patient = ResidentFactory(household=households[0], name="癌症患者", chronic_illness=True)
    plan = services.care_plan_create(
        by=doctor,
        resident=patient,
        kind="doctor_visit",
        description="每周上门诊疗",
        every_days=7,
        starts_on=START,
        responsible=doctor,
    )
    for week in range(3):
        day = START + dt.timedelta(days=7 * week)
        services.care_visit_record(by=doctor, plan=plan, day=day)
        assert figures.overdue_visits(village, day + dt.timedelta(days=7)) == []
