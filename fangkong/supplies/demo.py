"""Supplies of 火车站乡 for the demo (seed 002): a township store and one per village, the
catalogue, what the district allocated, 岳某's 10,000 yuan (古塘社区's party member), and the
township sending disinfectant and masks down to the villages.

Written through the services (every movement in the ledger, balances under their locks), dated
from the day it runs. Idempotent: nothing is added when the township store is already there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.core.clock import local_tz
from fangkong.core.db import analyze
from fangkong.registry import demo as registry_demo
from fangkong.supplies import services
from fangkong.supplies.models import (
    Donation,
    Item,
    ItemCategory,
    LedgerEntry,
    StockBalance,
    Store,
    StoreKind,
)

TOWNSHIP_STORE = "火车站乡物资仓库"
# name, category, low-stock warning level
ITEMS = [
    ("医用外科口罩", ItemCategory.MASK, 200),
    ("84消毒液(500毫升)", ItemCategory.DISINFECTANT, 10),
    ("75%医用酒精(500毫升)", ItemCategory.ALCOHOL, 10),
    ("电子体温计", ItemCategory.THERMOMETER, 5),
    ("一次性手套", ItemCategory.GLOVES, 50),
]
MASKS, DISINFECTANT, ALCOHOL, THERMOMETERS, GLOVES = (name for name, _c, _l in ITEMS)
# What the district allocated to the township (item, quantity).
ALLOCATED = [(MASKS, 6000), (DISINFECTANT, 300), (ALCOHOL, 120), (THERMOMETERS, 80), (GLOVES, 1000)]
# What the township sent to each village store.
PER_VILLAGE = [(MASKS, 600), (DISINFECTANT, 30), (ALCOHOL, 10), (THERMOMETERS, 10)]
DONOR = "岳某"
DONOR_VILLAGE = "430502005204"  # 古塘社区
DONATION = 10_000


@dataclass(frozen=True)
class DemoSupplies:
    township: Store
    villages: dict[str, Store]  # by village code
    items: dict[str, Item]  # by name


def village_store_name(village: Area) -> str:
    return f"{village.name}物资点"


def cadre_of(code: str) -> str:
    """The demo cadre of a village (see ``registry.demo.DEMO_USERS``)."""
    return {"430502005201": "village_cadre", "430502005202": "other_cadre"}.get(
        code, f"cadre_{code[-3:]}"
    )


def demo_supplies(areas: dict[str, Area]) -> DemoSupplies | None:
    """The demo's stores and items, once built."""
    township = Store.objects.filter(name=TOWNSHIP_STORE).first()
    if township is None:
        return None
    villages = {code: areas[code] for _n, code, _h, _g in registry_demo.VILLAGES}
    stores = {s.area_id: s for s in Store.objects.filter(area__in=villages.values())}
    items = {i.name: i for i in Item.objects.filter(county_id=township.county_id)}
    return DemoSupplies(
        township=township,
        villages={code: stores[v.pk] for code, v in villages.items() if v.pk in stores},
        items=items,
    )


@transaction.atomic
def build_supplies(
    areas: dict[str, Area], *, now: dt.datetime | None = None
) -> DemoSupplies | None:
    """Build the stores and their stock; None when already there (or no demo users)."""
    if Store.objects.filter(name=TOWNSHIP_STORE).exists():
        return None
    now = now or timezone.now()
    today = timezone.localdate(now, local_tz())
    users = User.objects.in_bulk(
        ["township_officer", *(cadre_of(c) for _n, c, _h, _g in registry_demo.VILLAGES)],
        field_name="username",
    )
    officer = users.get("township_officer")
    if officer is None:
        return None
    township_area = areas[registry_demo.TOWNSHIP[1]]
    items = {
        name: services.item_create(by=officer, name=name, category=category, low_stock=low)
        for name, category, low in ITEMS
    }
    township = services.store_create(
        by=officer, area=township_area, name=TOWNSHIP_STORE, kind=StoreKind.TOWNSHIP
    )
    start = now - dt.timedelta(days=15)
    for name, quantity in ALLOCATED:
        services.stock_receive(
            by=officer,
            store=township,
            item=items[name],
            quantity=quantity,
            source="双清区防控指挥部调拨",
            at=start,
        )
    services.donation_record(
        by=officer,
        area=areas[DONOR_VILLAGE],
        donor_name=DONOR,
        donor_kind="person",
        money=DONATION,
        received_on=today - dt.timedelta(days=12),
        late_reason="据纸质捐赠登记簿补录",
        note="古塘社区党员岳某捐赠,用于购买口罩等防护物资",
    )
    villages: dict[str, Store] = {}
    for _name, code, _households, _grids in registry_demo.VILLAGES:
        village = areas[code]
        store = services.store_create(
            by=officer, area=village, name=village_store_name(village), kind=StoreKind.VILLAGE
        )
        villages[code] = store
        for item_name, quantity in PER_VILLAGE:
            services.stock_transfer(
                by=officer,
                source=township,
                destination=store,
                item=items[item_name],
                quantity=quantity,
                note="乡里下发",
                at=start + dt.timedelta(days=1),
            )
    analyze(StockBalance, LedgerEntry, Donation)
    return DemoSupplies(township=township, villages=villages, items=items)
