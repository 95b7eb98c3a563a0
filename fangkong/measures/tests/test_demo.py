"""Seed 002 replayed from the records: the demo's stores and field measures give 火车站乡 the
figures of the press report (funerals simplified 前进村 3, 白云村 2, 杨柳村 1; a wedding postponed
in 古塘社区; 65 restaurants closed; 100+ van trips; 7,000+ letters; 120+ bottles of disinfectant;
11 inspections, 3 people held accountable). Only the areas and users are built: no register."""

from __future__ import annotations

import datetime as dt

from fangkong.measures import figures as measure_figures
from fangkong.measures.demo import build_measures
from fangkong.measures.models import Disinfection, Venue
from fangkong.monitoring.tests.factories import local
from fangkong.registry import demo
from fangkong.reports import figures
from fangkong.supplies.demo import build_supplies
from fangkong.supplies.models import LedgerEntry, StockBalance

TODAY = dt.date(2026, 11, 28)


def test_seed_002_measures_come_from_the_records(db, clock):
    now = clock.set(local(TODAY, 15))
    areas = demo.build_areas()
    demo.build_users(areas)
    assert build_supplies(areas, now=now) is not None
    added = build_measures(areas, now=now)
    assert added == {"disinfections": 124, "venues": 82, "inspections": 11}

    township = areas[demo.TOWNSHIP[1]]
    live = figures.compute(township, TODAY)
    assert live["gatherings_simplified"] == 6
    assert live["gatherings_postponed"] == 1
    assert live["restaurants_closed"] == 65
    assert live["publicity_van_trips"] >= 100
    assert live["publicity_letters"] >= 7000
    assert live["supplies_disinfectant_handed_out"] >= 120
    assert live["inspections"] == 11
    assert live["people_held_accountable"] == 3
    assert live["supplies_donations_money"] == 10_000
    by_village = measure_figures.gatherings_by_village(township, TODAY)
    assert by_village == {
        ("前进村", "funeral", "simplified"): 3,
        ("白云村", "funeral", "simplified"): 2,
        ("杨柳村", "funeral", "simplified"): 1,
        ("古塘社区", "wedding", "postponed"): 1,
    }
    # 10+ teahouses, the fruit market and every entertainment venue closed too.
    closed = Venue.objects.with_status(TODAY).filter(status="closed")
    assert closed.filter(kind="teahouse").count() >= 10
    assert closed.filter(name="湘西南水果市场").exists()
    # Daily disinfection: two places still to do today, named; the bottles came out of stock.
    coverage = measure_figures.disinfection_coverage(township, TODAY)
    assert [p.name for p in coverage.not_done] == ["新桥村村部", "东风村村部"]
    assert Disinfection.objects.filter(entry__isnull=False).count() == 124
    sums = LedgerEntry.objects.sums()
    assert all(b.quantity == sums[(b.store_id, b.item_id)] >= 0 for b in StockBalance.objects.all())

    # Idempotent: a second run adds nothing.
    assert build_supplies(areas, now=now) is None
    assert build_measures(areas, now=now) == {}
    assert figures.compute(township, TODAY) == live
