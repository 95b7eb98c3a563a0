"""The report day (截至下午4时) for every event figure: records made at every hour of two days,
each counted in exactly one report day, whatever the county's cut-off.

The records are built once for the module (inside one transaction rolled back at its end); each
test then only computes windows. For every event figure, over the report days around the walk:
the list behind the figure holds each record exactly once, the figure equals its list, and the
figures of the report days add up to everything walked. A hand-out typed from a paper backlog
days later counts once too, in the report day of the day it happened."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.db import transaction

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Area
from fangkong.areas.tests.factories import build_tree
from fangkong.care import services as care
from fangkong.checkpoints import services as checkpoints
from fangkong.checkpoints.models import Outcome
from fangkong.checkpoints.tests.factories import make_checkpoint, person, vehicle
from fangkong.measures import services as measures
from fangkong.monitoring import services as monitoring
from fangkong.monitoring.tests.factories import Clock, local, open_case, resident_in
from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.reports.figures import FIGURES, FigureContext, report_day
from fangkong.reports.models import ReportDeadline
from fangkong.screening.tests.factories import RiskAreaFactory
from fangkong.supplies import services as supplies
from fangkong.supplies.tests.factories import store_and_item
from fangkong.workforce.models import PointEntry, PointRule

FIRST = dt.date(2026, 11, 20)
HOURS = [local(FIRST + dt.timedelta(days=h // 24), h % 24, 30) for h in range(48)]
# Report days whose windows hold the whole walk, with one empty day on each side.
DAYS = [FIRST + dt.timedelta(days=n) for n in range(-1, 4)]


@dataclass
class Walk:
    village: Area
    county: Area
    # figure key -> the pks of the rows its list shows, and what the figure must add up to
    rows: dict[str, list[int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, pk: int, counts: int = 1) -> None:
        self.rows.setdefault(key, []).append(pk)
        self.totals[key] = self.totals.get(key, 0) + counts


def _build(clock: Clock) -> Walk:
    tree = build_tree()
    village, grid = tree["qianjin"], tree["qianjin_g1"]
    cadre = UserFactory(username="walk_cadre", role=Role.VILLAGE_CADRE, area=village)
    staff = UserFactory(username="walk_staff", role=Role.CHECKPOINT_STAFF, area=village)
    walk = Walk(village=village, county=tree["county"])
    RiskAreaFactory(name="武汉市", level="city", code="420100000000")
    # The county's red points: 2 for an errand done (granted to whoever did it).
    PointRule.objects.create(county=tree["county"], kind="errand_done", points=2)

    clock.set(local(FIRST - dt.timedelta(days=20), 9))
    to_release = [open_case(by=cadre, area=grid, start=clock.now.date()) for _ in HOURS]
    gate = make_checkpoint(village)
    store, agent = store_and_item(by=cadre, area=village, stock=10_000)
    places = [
        measures.place_create(
            by=cadre, area=village, name=f"垃圾点{n}", kind="bins", since=clock.now.date()
        )
        for n in range(len(HOURS))
    ]
    plan = care.care_plan_create(
        by=cadre,
        resident=resident_in(grid, elderly_alone=True),
        kind="phone_call",
        description="独居老人每日电话问候",
        every_days=1,
        starts_on=clock.now.date(),
        responsible=cadre,
    )
    errands = [
        care.errand_request(
            by=cadre, household=HouseholdFactory(area=grid), kind="medicine", details="降压药"
        )
        for _ in HOURS
    ]

    for n, at in enumerate(HOURS):
        clock.set(at)
        day = at.date()
        car = checkpoints.passage_register(
            by=staff,
            checkpoint=gate,
            details=vehicle(plate=f"湘E{n:05d}", people=3),
            outcome=Outcome.ALLOWED,
        )
        walk.add("passages_vehicles", car.pk)
        walk.add("passages_people", car.pk, 3)
        walk.add("passages_people_in", car.pk, 3)
        out = checkpoints.passage_register(
            by=staff, checkpoint=gate, details=person(direction="out"), outcome=Outcome.ALLOWED
        )
        walk.add("passages_people", out.pk)
        walk.add("passages_people_out", out.pk)
        back = checkpoints.passage_register(
            by=staff, checkpoint=gate, details=person(), outcome=Outcome.TURNED_BACK
        )
        walk.add("turned_back", back.pk)
        fever = checkpoints.passage_register(
            by=staff,
            checkpoint=gate,
            details=person(name="发热者", phone="13800001111"),
            outcome=Outcome.FEVER_CLINIC,
            temperature="38.2",
        )
        walk.add("checkpoint_fevers", fever.pk)
        referred = checkpoints.passage_register(
            by=staff,
            checkpoint=gate,
            details=person(name="返乡者", phone="13912345678", travel_from="湖北武汉"),
            outcome=Outcome.REFERRED,
        )
        walk.add("referred", referred.pk)
        walk.add("checkpoint_risk_arrivals", referred.pk)
        walk.add("passages_people", referred.pk)
        walk.add("passages_people_in", referred.pk)

        errand = care.errand_done(by=cadre, errand=errands[n], money_spent="12.5")
        walk.add("errands_done_today", errand.pk)
        granted = PointEntry.objects.get(record_id=errand.pk, kind="errand_done")
        walk.add("points_granted", granted.pk, 2)
        visit = care.care_visit_record(by=cadre, plan=plan, day=day)
        walk.add("care_visits_today", visit.pk)
        handed = supplies.stock_hand_out(
            by=cadre,
            store=store,
            item=agent,
            quantity=2,
            recipient_kind="other",
            recipient_name="保洁员",
        )
        walk.add("supplies_handouts_today", handed.pk)
        measures.disinfection_record(by=cadre, place=places[n], day=day)
        walk.add("disinfection_done", places[n].pk)
        case = open_case(by=cadre, area=grid, start=day)
        walk.add("new_today", case.pk)
        monitoring.case_release(by=cadre, case=to_release[n], on=day)
        walk.add("released_today", to_release[n].pk)

    # A paper backlog typed two days later, dated the day each hand-out happened.
    clock.set(local(FIRST + dt.timedelta(days=3), 10))
    for at in HOURS:
        late = supplies.stock_hand_out(
            by=cadre,
            store=store,
            item=agent,
            quantity=1,
            recipient_kind="other",
            recipient_name="补录",
            on=at.date(),
            late_reason="纸质台账补录",
        )
        walk.add("supplies_handouts_today", late.pk)
    return walk


@pytest.fixture(scope="module")
def walk(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with pytest.MonkeyPatch.context() as patch:
                yield _build(Clock(patch))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


EVENT_FIGURES = [
    "passages_people",
    "passages_people_in",
    "passages_people_out",
    "passages_vehicles",
    "turned_back",
    "referred",
    "checkpoint_fevers",
    "checkpoint_risk_arrivals",
    "errands_done_today",
    "care_visits_today",
    "supplies_handouts_today",
    "disinfection_done",
    "new_today",
    "released_today",
    "points_granted",
]


def test_every_event_figure_of_the_day_is_walked():
    """The walk covers every event figure and every "today" figure of the registry (the report
    day's figures with their own tests: missed check-ins and fever alerts, by slot and alert)."""
    own_tests = {"missed_checkins", "fever_alerts"}
    states = {"monitored_now", "at_home", "centralised"}  # people under observation now
    events = {f.key for f in FIGURES.values() if f.event} - own_tests - states
    today = {k for k in FIGURES if k.endswith("_today") or k == "disinfection_done"}
    assert events | today <= set(EVENT_FIGURES)


@pytest.mark.parametrize("cutoff", [dt.time(16, 0), dt.time(12, 0)], ids=["16h", "12h"])
@pytest.mark.parametrize("key", EVENT_FIGURES)
def test_a_record_of_any_hour_is_counted_in_exactly_one_report_day(walk, db, key, cutoff):
    ReportDeadline.objects.create(county=walk.county, cutoff=cutoff)
    figure = FIGURES[key]
    assert figure.records is not None
    seen: Counter[int] = Counter()
    total = 0
    for day in DAYS:
        ctx = FigureContext(walk.village, day)
        assert ctx.window == report_day(walk.village, day)
        assert ctx.window[1].time() == cutoff
        rows = figure.records.rows(ctx)
        seen.update(rows.values_list("pk", flat=True))
        value = figure.compute(FigureContext(walk.village, day))
        assert value == figure.records.count(ctx, rows), day
        total += value
    assert sorted(seen) == sorted(walk.rows[key])
    assert set(seen.values()) == {1}
    assert total == walk.totals[key]


def test_the_report_day_splits_the_walk_at_the_cutoff(walk, db):
    """With the 16:00 cut-off: the first day's 00:30 … 15:30 (16 hours) are in its report, the
    next 24 hours in the next, the last 8 in the third; the backlog counts on its own day."""
    village = walk.village
    per_day = [FIGURES["errands_done_today"].value(village, day) for day in DAYS]
    assert per_day == [0, 16, 24, 8, 0]
    handouts = [FIGURES["supplies_handouts_today"].value(village, day) for day in DAYS]
    assert handouts == [0, 16 + 24, 24 + 24, 8, 0]
    # "In total" grows from one report to the next by exactly that report's events.
    for total_key, day_key in [
        ("errands_done_total", "errands_done_today"),
        ("released_total", "released_today"),
    ]:
        totals = [FIGURES[total_key].value(village, day) for day in DAYS]
        today = [FIGURES[day_key].value(village, day) for day in DAYS]
        assert [b - a for a, b in zip(totals, totals[1:], strict=False)] == today[1:], total_key
