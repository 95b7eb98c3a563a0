"""Seed 002 under observation: 49 people of 火车站乡 back from 湖北/武汉, as of the day it runs.

The 2020 story (returnees watched from late January; by 10 February 29 released, 15 still at home)
is shifted to today so that the pages are alive: 29 released, 15 in home observation, 5 at a
centralised site, twice-daily temperatures for every closed slot so far, one open fever alert.
Deterministic (a fixed seed over the register in primary-key order) and idempotent: a second run
replaces the demo cases with the same ones, dated from that day.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.core.clock import local_tz
from fangkong.core.db import analyze
from fangkong.monitoring.models import (
    Alert,
    AlertKind,
    CaseEvent,
    Category,
    CheckIn,
    CheckInSource,
    EventKind,
    Mode,
    ObservationCase,
    ObservationPolicy,
    Source,
    Status,
)
from fangkong.registry.demo import seed_returnees
from fangkong.registry.models import Resident

DEMO_REF = "seed002 湖北/武汉"
SITE = "火车站乡集中医学观察点"
RELEASED, HOME, CENTRALISED = 29, 15, 5
TOTAL = RELEASED + HOME + CENTRALISED  # 49, as in seed 002
QIANJIN_GRID1 = "430502005201/01"


def _local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=local_tz())


def _pick_residents(grid1: Area) -> list[Resident]:
    """The 49 returnees the screening demo found (one shared choice, see registry.demo), the
    four of 前进村1网格 first."""
    chosen = seed_returnees()
    by_pk = Resident.objects.select_related("household__area").in_bulk(chosen)
    return sorted((by_pk[pk] for pk in chosen), key=lambda r: r.household.area_id != grid1.pk)


@transaction.atomic
def build_monitoring(areas: dict[str, Area], *, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    today = timezone.localdate(now, local_tz())
    ObservationCase.objects.filter(source_ref=DEMO_REF).delete()
    rng = random.Random(20200210)  # noqa: S311 - demo data; the day of the seed's figures
    residents = _pick_residents(areas[QIANJIN_GRID1])
    if len(residents) < TOTAL:
        return {}
    policy = ObservationPolicy.objects.in_force_on(dt.date(2020, 1, 24))
    assert policy is not None, "the 2020 policy comes with the migrations"
    grid1 = areas[QIANJIN_GRID1]
    qianjin = areas[QIANJIN_GRID1.split("/")[0]]
    users = User.objects.in_bulk(["grid_worker", "doctor"], field_name="username")
    # Grid 1's four: two at home, one centralised, one released; the rest shuffled.
    states = (
        [Status.RELEASED] * (RELEASED - 1)
        + [Mode.HOME] * (HOME - 2)
        + [Mode.CENTRALISED] * (CENTRALISED - 1)
    )
    rng.shuffle(states)
    states = [Mode.HOME, Mode.HOME, Mode.CENTRALISED, Status.RELEASED, *states]

    cases: list[ObservationCase] = []
    for resident, state in zip(residents, states, strict=True):
        mode = Mode.CENTRALISED if state == Mode.CENTRALISED else Mode.HOME
        period = policy.period_days(Category.RETURNEE, mode)
        if state == Status.RELEASED:
            start = today - dt.timedelta(days=rng.randint(period + 1, period + 16))
        else:
            start = today - dt.timedelta(days=rng.randint(1, period - 1))
        area = resident.household.area
        planned_end = start + dt.timedelta(days=period)
        cases.append(
            ObservationCase(
                county_id=resident.county_id,
                resident=resident,
                category=Category.RETURNEE,
                mode=mode,
                site_name=SITE if mode == Mode.CENTRALISED else "",
                policy=policy,
                period_days=period,
                start_date=start,
                planned_end=planned_end,
                ended_on=planned_end if state == Status.RELEASED else None,
                ended_at=_local(planned_end, 10) if state == Status.RELEASED else None,
                status=Status.RELEASED if state == Status.RELEASED else Status.ACTIVE,
                grid_worker=users.get("grid_worker") if area.pk == grid1.pk else None,
                doctor=users.get("doctor") if area.is_within(qianjin) else None,
                source=Source.SCREENING,
                source_ref=DEMO_REF,
                opened_at=_local(start, 8),
            )
        )
    ObservationCase.objects.bulk_create(cases)

    events: list[CaseEvent] = []
    checkins: list[CheckIn] = []
    for case in cases:
        events.append(
            CaseEvent(
                county_id=case.county_id,
                case=case,
                at=case.opened_at,
                by=case.grid_worker,
                kind=EventKind.OPENED,
                to_status=Status.ACTIVE,
                detail=f"{policy.name}: {case.period_days}",
            )
        )
        last = case.planned_end - dt.timedelta(days=1) if case.ended_on else today
        if case.ended_on:
            events.append(
                CaseEvent(
                    county_id=case.county_id,
                    case=case,
                    at=_local(case.ended_on, 10),
                    by=case.doctor,
                    kind=EventKind.RELEASED,
                    from_status=Status.ACTIVE,
                    to_status=Status.RELEASED,
                )
            )
        day = case.start_date
        while day <= last:
            for slot in (1, 2):
                closes = policy.slot_end(day, slot)
                if closes > now:
                    continue
                by = case.grid_worker or case.doctor
                checkins.append(
                    CheckIn(
                        county_id=case.county_id,
                        case=case,
                        date=day,
                        slot=slot,
                        temperature=Decimal(rng.choice(["36.2", "36.4", "36.5", "36.6", "36.8"])),
                        source=CheckInSource.WORKER if by else CheckInSource.SELF,
                        by=by,
                        at=closes - dt.timedelta(hours=rng.randint(1, 4)),
                    )
                )
            day += dt.timedelta(days=1)
    CaseEvent.objects.bulk_create(events)
    # One fever: the last check-in of the first person of grid 1, still at home.
    fever = max((c for c in checkins if c.case is cases[0]), key=lambda c: (c.date, c.slot))
    fever.temperature = Decimal("37.6")
    fever.symptoms = "乏力"
    CheckIn.objects.bulk_create(checkins, batch_size=1000)
    Alert.objects.create(
        county_id=fever.county_id,
        case=cases[0],
        kind=AlertKind.FEVER,
        date=fever.date,
        slot=fever.slot,
        checkin=fever,
        raised_at=fever.at,
    )
    analyze(ObservationCase, CheckIn, Alert, CaseEvent)
    return {
        "cases": len(cases),
        "released": sum(c.status == Status.RELEASED for c in cases),
        "checkins": len(checkins),
    }
