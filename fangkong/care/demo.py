"""Care in 火车站乡 for the demo: errands for the households at home under observation (most
done, with the money advanced; a few waiting, two of them in 前进村1网格), masks and a
thermometer handed to each of those households, and two care plans in 前进村: the village doctor
visits a seriously ill resident every week (two days overdue, so it is listed by name) and the
grid worker calls an elderly resident living alone every day.

Needs the register, the monitoring demo and the supplies demo. Idempotent: nothing is added when
the township already has errands.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.care import services
from fangkong.care.models import CareKind, CarePlan, CareVisit, Errand, ErrandKind, ErrandSource
from fangkong.core.clock import local_tz
from fangkong.core.db import analyze
from fangkong.monitoring.models import Mode, ObservationCase, Status
from fangkong.registry import demo as registry_demo
from fangkong.registry.models import Resident
from fangkong.supplies import services as supplies
from fangkong.supplies.demo import MASKS, THERMOMETERS, cadre_of, demo_supplies
from fangkong.supplies.models import LedgerEntry, RecipientKind, StockBalance

QIANJIN = "430502005201"
WANTS = {
    ErrandKind.GROCERIES: [
        "大米一袋、青菜两斤",
        "鸡蛋一板、面条两把",
        "猪肉一斤、豆腐两块",
        "水果、牛奶",
    ],
    ErrandKind.MEDICINE: ["降压药两盒", "感冒灵一盒", "胰岛素一支", "布洛芬一盒"],
    ErrandKind.GAS_WATER: ["换一罐液化气", "桶装水两桶"],
    ErrandKind.REPAIRS: ["热水器不出热水", "电灯不亮"],
}


@transaction.atomic
def build_care(areas: dict[str, Area], *, now: dt.datetime | None = None) -> dict[str, int]:
    township = areas[registry_demo.TOWNSHIP[1]]
    if Errand.objects.in_area(township).exists():
        return {}
    supplies_demo = demo_supplies(areas)
    cases = list(
        ObservationCase.objects.in_area(township)
        .filter(status=Status.ACTIVE, mode=Mode.HOME)
        .select_related("resident__household__area")
        .order_by("pk")
    )
    if not cases or supplies_demo is None:
        return {}
    now = now or timezone.now()
    today = timezone.localdate(now, local_tz())
    rng = random.Random(20200124)  # noqa: S311 - demo data
    names = ["grid_worker", "doctor", "checkpoint_staff", "township_officer"]
    names += [cadre_of(code) for _n, code, _h, _g in registry_demo.VILLAGES]
    users = User.objects.in_bulk(names, field_name="username")
    errands = waiting = 0
    for case in cases:
        household = case.resident.household
        village_code = household.area.path.split("/")[2]  # county/township/village/…
        helpers = [users[cadre_of(village_code)]]
        if village_code == QIANJIN:
            helpers += [users["checkpoint_staff"]]
            if household.area.is_within(areas[f"{QIANJIN}/01"]):
                helpers += [users["grid_worker"]]
        store = supplies_demo.villages[village_code]
        officer = users["township_officer"]
        supplies.stock_hand_out(
            by=officer,
            store=store,
            item=supplies_demo.items[MASKS],
            quantity=14,
            recipient_kind=RecipientKind.HOUSEHOLD,
            household=household,
            note="居家观察期间每日一只",
            at=now - dt.timedelta(days=(today - case.start_date).days, hours=-2),
        )
        supplies.stock_hand_out(
            by=officer,
            store=store,
            item=supplies_demo.items[THERMOMETERS],
            quantity=1,
            recipient_kind=RecipientKind.HOUSEHOLD,
            household=household,
            at=now - dt.timedelta(days=(today - case.start_date).days, hours=-2),
        )
        days = max((today - case.start_date).days, 1)
        for n in range(rng.randint(2, 4)):
            kind = rng.choice(list(WANTS))
            asked = now - dt.timedelta(days=rng.randint(1, days), hours=rng.randint(0, 6))
            errand = services.errand_request(
                by=helpers[0],
                household=household,
                case=case,
                kind=kind,
                details=rng.choice(WANTS[kind]),
                source=ErrandSource.PHONE,
                at=asked,
            )
            errands += 1
            money = Decimal(rng.randint(15, 260)) if kind != ErrandKind.REPAIRS else Decimal(0)
            errand = services.errand_done(
                by=rng.choice(helpers),
                errand=errand,
                money_spent=money,
                at=asked + dt.timedelta(hours=3),
            )
            if n % 2 == 0 and money:
                services.errand_repay(by=helpers[0], errand=errand, amount=money)
    # Requests still waiting: two of the grid worker's people need medicine today.
    grid1 = areas[f"{QIANJIN}/01"]
    for case in [c for c in cases if c.resident.household.area_id == grid1.pk][:2]:
        services.errand_request(
            by=users["grid_worker"],
            household=case.resident.household,
            case=case,
            kind=ErrandKind.MEDICINE,
            details="感冒灵一盒、口罩一包",
            needed_by=today,
            source=ErrandSource.PHONE,
            at=now,
        )
        waiting += 1
    plans = _care_plans(areas, users, today)
    analyze(Errand, CarePlan, CareVisit, LedgerEntry, StockBalance)
    return {"errands": errands + waiting, "waiting": waiting, "plans": plans}


def _care_plans(areas: dict[str, Area], users: dict[str, User], today: dt.date) -> int:
    qianjin = areas[QIANJIN]
    grid1 = areas[f"{QIANJIN}/01"]
    ill = (
        Resident.objects.in_area(qianjin)
        .filter(chronic_illness=True)
        .select_related("household__area")
        .order_by("pk")
        .first()
    )
    alone = (
        Resident.objects.in_area(grid1)
        .filter(elderly_alone=True)
        .select_related("household__area")
        .order_by("pk")
        .first()
    )
    added = 0
    if ill is not None:
        plan = services.care_plan_create(
            by=users["doctor"],
            resident=ill,
            kind=CareKind.DOCTOR_VISIT,
            description="每周上门诊疗一次(癌症治疗),量血压、送药",
            every_days=7,
            starts_on=today - dt.timedelta(days=30),
            responsible=users["doctor"],
        )
        for back in (30, 23, 16, 9):  # the last visit 9 days ago: due 2 days ago, overdue
            services.care_visit_record(
                by=users["doctor"], plan=plan, day=today - dt.timedelta(days=back)
            )
        added += 1
    if alone is not None:
        plan = services.care_plan_create(
            by=users["grid_worker"],
            resident=alone,
            kind=CareKind.PHONE_CALL,
            description="每天电话问候,了解身体和生活需要",
            every_days=1,
            starts_on=today - dt.timedelta(days=14),
            responsible=users["grid_worker"],
        )
        for back in range(14, 0, -1):
            services.care_visit_record(
                by=users["grid_worker"],
                plan=plan,
                day=today - dt.timedelta(days=back),
                note="一切正常",
            )
        added += 1
    return added
