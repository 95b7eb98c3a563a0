"""Field measures of 火车站乡 for the demo, so that the township's figures tell seed 002's story:

funerals simplified 前进村 3, 白云村 2, 杨柳村 1 and a wedding postponed in 古塘社区; 65 restaurants,
12 teahouses, 湘西南水果市场 and every entertainment venue closed; the township's publicity van
out 104 times and 7,200 letters to residents; key places disinfected every day with 84
disinfectant taken from the stores (124 bottles in a week); 11 inspections by the township's
inspection group, 3 people held accountable.

Written through the services, dated from the day it runs (the last two weeks). Needs the stores
of ``supplies.demo``. Idempotent: nothing is added when the demo's key places are there.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.core.clock import local_tz
from fangkong.core.db import analyze
from fangkong.measures import services
from fangkong.measures.models import (
    Accountability,
    AccountabilityMeasure,
    Disinfection,
    Finding,
    Gathering,
    GatheringKind,
    GatheringOutcome,
    Inspection,
    InspectionMode,
    KeyPlace,
    PlaceKind,
    Publicity,
    PublicityKind,
    Venue,
    VenueCheck,
    VenueKind,
    VenueStatus,
)
from fangkong.registry import demo as registry_demo
from fangkong.supplies.demo import DISINFECTANT, cadre_of, demo_supplies
from fangkong.supplies.models import LedgerEntry, StockBalance

TOWNSHIP_OFFICE = "火车站乡机关办公楼"
MARKET = "湘西南水果市场"
DAYS = 7  # of daily disinfection
NOT_DONE_TODAY = ["新桥村村部", "东风村村部"]  # still to do when the demo is loaded
QIANJIN, BAIYUN, YANGLIU, GUTANG = "430502005201", "430502005202", "430502005203", "430502005204"
# (village, kind, outcome, how many): seed 002's gatherings.
GATHERINGS = [
    (QIANJIN, GatheringKind.FUNERAL, GatheringOutcome.SIMPLIFIED, 3),
    (BAIYUN, GatheringKind.FUNERAL, GatheringOutcome.SIMPLIFIED, 2),
    (YANGLIU, GatheringKind.FUNERAL, GatheringOutcome.SIMPLIFIED, 1),
    (GUTANG, GatheringKind.WEDDING, GatheringOutcome.POSTPONED, 1),
]
RESTAURANTS, TEAHOUSES = 65, 12
ENTERTAINMENT = ["金色年华KTV", "星空网吧", "老友棋牌室", "欢乐迪歌舞厅"]
VAN_TRIPS = [8] * 13  # 104 trips of the township's publicity van over 13 days
LETTERS_PER_VILLAGE = 1200  # 《致广大居民的一封信》: 7,200 in the six villages
INSPECTIONS = 11
ACCOUNTABLE = [
    ("潘某", "新桥村卡口值守人员", AccountabilityMeasure.CRITICISM),
    ("刘某", "东风村网格员", AccountabilityMeasure.ADMONITION),
    ("陈某", "白云村村委委员", AccountabilityMeasure.WARNING),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def _places(areas: dict[str, Area]) -> list[tuple[Area, str, PlaceKind]]:
    """18 key places: the township office and the fruit market, each village's office and public
    place, and the rubbish collection points of the four largest villages."""
    township = areas[registry_demo.TOWNSHIP[1]]
    places = [(township, TOWNSHIP_OFFICE, PlaceKind.OFFICE), (township, MARKET, PlaceKind.MARKET)]
    for name, code, _households, _grids in registry_demo.VILLAGES:
        places.append((areas[code], f"{name}村部", PlaceKind.OFFICE))
        places.append((areas[code], f"{name}文化活动中心", PlaceKind.PUBLIC_PLACE))
    for name, code, _households, _grids in registry_demo.VILLAGES[:4]:
        places.append((areas[code], f"{name}垃圾收集点", PlaceKind.BINS))
    return places


@transaction.atomic
def build_measures(areas: dict[str, Area], *, now: dt.datetime | None = None) -> dict[str, int]:
    """Build the demo's measures; returns what was added (empty when already there)."""
    supplies = demo_supplies(areas)
    if supplies is None or KeyPlace.objects.filter(name=TOWNSHIP_OFFICE).exists():
        return {}
    now = now or timezone.now()
    today = timezone.localdate(now, local_tz())
    rng = random.Random(20200210)  # noqa: S311 - demo data
    villages = [code for _n, code, _h, _g in registry_demo.VILLAGES]
    users = User.objects.in_bulk(
        ["township_officer", "inspector", *(cadre_of(c) for c in villages)], field_name="username"
    )
    officer, inspector = users["township_officer"], users["inspector"]
    township = areas[registry_demo.TOWNSHIP[1]]
    disinfectant = supplies.items[DISINFECTANT]
    added = {"disinfections": 0, "venues": 0, "inspections": 0}

    # Daily disinfection: one bottle of 84 per place and day, from the nearest store.
    first = today - dt.timedelta(days=DAYS - 1)
    for area, name, place_kind in _places(areas):
        by = officer if area == township else users[cadre_of(area.code)]
        store = supplies.township if area == township else supplies.villages[area.code]
        place = services.place_create(
            by=officer, area=area, name=name, kind=place_kind, responsible=by, since=first
        )
        for offset in range(DAYS):
            day = first + dt.timedelta(days=offset)
            if day == today and name in NOT_DONE_TODAY:
                continue
            at = dt.datetime.combine(day, dt.time(8, rng.randint(0, 59)), tzinfo=local_tz())
            services.disinfection_record(
                by=by, place=place, day=day, agent=disinfectant, quantity=1, store=store, at=at
            )
            added["disinfections"] += 1

    # Gatherings: the families talked to (funerals within a day, the wedding weeks ahead).
    for code, kind, outcome, count in GATHERINGS:
        for n in range(count):
            reported = today - dt.timedelta(days=3 + 2 * n)
            funeral = kind == GatheringKind.FUNERAL
            services.gathering_report(
                by=users[cadre_of(code)],
                area=areas[code],
                kind=kind,
                family=f"{rng.choice(SURNAMES)}家",
                event_date=reported + dt.timedelta(days=-1 if funeral else 20),
                reported_on=reported,
                expected_people=rng.randint(30, 120),
                outcome=outcome,
            )

    # Venues: every restaurant, teahouse, the market and the entertainment venues closed.
    closed_on = today - dt.timedelta(days=14)
    venues = (
        [(VenueKind.RESTAURANT, f"餐馆{n + 1:02d}") for n in range(RESTAURANTS)]
        + [(VenueKind.TEAHOUSE, f"茶馆{n + 1:02d}") for n in range(TEAHOUSES)]
        + [(VenueKind.ENTERTAINMENT, name) for name in ENTERTAINMENT]
    )
    for n, (venue_kind, name) in enumerate(venues):
        code = villages[n % len(villages)]
        services.venue_create(
            by=users[cadre_of(code)],
            area=areas[code],
            name=f"{areas[code].name}{name}",
            kind=venue_kind,
            status=VenueStatus.CLOSED,
            day=closed_on,
        )
    services.venue_create(
        by=officer,
        area=township,
        name=MARKET,
        kind=VenueKind.MARKET,
        status=VenueStatus.CLOSED,
        day=closed_on,
    )
    added["venues"] = len(venues) + 1

    # Publicity: the township's van, the letters, 村村响 twice a day, banners, chat groups.
    for offset, trips in enumerate(VAN_TRIPS):
        day = today - dt.timedelta(days=len(VAN_TRIPS) - offset)
        services.publicity_record(
            by=officer, area=township, kind=PublicityKind.VAN_TRIP, quantity=trips, day=day
        )
    for code in villages:
        cadre = users[cadre_of(code)]
        services.publicity_record(
            by=cadre,
            area=areas[code],
            kind=PublicityKind.LETTER,
            quantity=LETTERS_PER_VILLAGE,
            day=today - dt.timedelta(days=12),
            note="《致广大居民的一封信》张贴、入户发放",
        )
        services.publicity_record(
            by=cadre,
            area=areas[code],
            kind=PublicityKind.BROADCAST,
            quantity=2 * 14,
            day=today - dt.timedelta(days=1),
        )
        services.publicity_record(
            by=cadre,
            area=areas[code],
            kind=PublicityKind.BANNER,
            quantity=rng.randint(15, 30),
            day=today - dt.timedelta(days=10),
        )
        services.publicity_record(
            by=cadre,
            area=areas[code],
            kind=PublicityKind.CHAT_MESSAGE,
            quantity=rng.randint(40, 80),
            day=today - dt.timedelta(days=2),
        )

    # Inspections: 11 visits of the township's inspection group, 3 people held accountable.
    accountable = iter(ACCOUNTABLE)
    for n in range(INSPECTIONS):
        code = villages[n % len(villages)]
        day = today - dt.timedelta(days=13 - n)
        problem = n in {2, 5, 8}
        inspection = services.inspection_record(
            by=inspector,
            area=areas[code],
            day=day,
            mode=InspectionMode.UNANNOUNCED if n % 2 else InspectionMode.ANNOUNCED,
            checklist={"on_post": not problem, "screening": True, "gatherings": True},
            team="乡纪委督查问责组",
            summary="明察暗访:人员在岗、排查监控、人员聚集劝导",
        )
        added["inspections"] += 1
        if problem:
            finding = services.finding_add(
                by=inspector,
                inspection=inspection,
                item="on_post",
                description="卡口值守人员脱岗",
                deadline=day + dt.timedelta(days=1),
            )
            services.finding_close(
                by=users[cadre_of(code)],
                finding=finding,
                closure="已重新排班,专人值守",
                day=day + dt.timedelta(days=1),
            )
            person, position, measure = next(accountable)
            services.accountability_add(
                by=inspector,
                inspection=inspection,
                finding=finding,
                person_name=person,
                position=position,
                measure=measure,
                day=day + dt.timedelta(days=1),
            )
    analyze(KeyPlace, Disinfection, LedgerEntry, StockBalance, Gathering, Venue, VenueCheck)
    analyze(Publicity, Inspection, Finding, Accountability)
    return added
