"""Disinfection takes its agent from stock (no stock, no record), coverage lists the places not
done by name; gatherings, venues, publicity and inspections add up to the report's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.measures import figures, services
from fangkong.measures.models import Disinfection, Finding, Venue
from fangkong.monitoring.tests.factories import local
from fangkong.supplies.models import LedgerEntry, StockBalance
from fangkong.supplies.tests.factories import store_and_item

D = dt.date(2020, 2, 3)


@pytest.fixture
def now(clock):
    return clock.set(local(D, 10))


def test_disinfection_takes_the_agent_from_stock_and_coverage_names_the_rest(users, tree, now):
    store, agent = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=2)
    office = services.place_create(
        by=users["cadre"], area=tree["qianjin"], name="村部", kind="office"
    )
    bins = services.place_create(
        by=users["cadre"],
        area=tree["qianjin_g1"],
        name="一组垃圾桶",
        kind="bins",
        responsible=users["grid_worker"],
    )
    services.place_create(by=users["stranger"], area=tree["baiyun"], name="白云村部", kind="office")

    coverage = figures.disinfection_coverage(tree["qianjin"], D)
    assert (coverage.planned, coverage.done) == (2, 0)
    assert [p.name for p in coverage.not_done] == ["村部", "一组垃圾桶"]

    record = services.disinfection_record(
        by=users["grid_worker"], place=bins, agent=agent, quantity=2, store=store, note="喷洒"
    )
    assert record.entry.change == -2 and record.entry.staff == users["grid_worker"]
    assert StockBalance.objects.get(store=store).quantity == 0
    with pytest.raises(ValidationError):  # no stock left: nothing written
        services.disinfection_record(
            by=users["cadre"], place=office, agent=agent, quantity=1, store=store
        )
    assert Disinfection.objects.count() == 1 and LedgerEntry.objects.count() == 2
    services.disinfection_record(by=users["cadre"], place=office)  # cleaning only, no agent

    coverage = figures.disinfection_coverage(tree["qianjin"], D)
    assert (coverage.planned, coverage.done, coverage.not_done, coverage.percent) == (
        2,
        2,
        [],
        100.0,
    )
    f = figures.measure_figures(tree["township"], D)
    assert (f.places, f.disinfected, f.disinfection_coverage) == (3, 2, 66.7)
    # Tomorrow everything is to do again.
    assert figures.disinfection_coverage(tree["qianjin"], D + dt.timedelta(days=1)).done == 0
    with pytest.raises(PermissionDenied):
        services.disinfection_record(by=users["stranger"], place=office)
    with pytest.raises(ValidationError):
        services.disinfection_record(by=users["cadre"], place=office, day=D + dt.timedelta(days=1))


def test_gatherings_by_outcome_and_village(users, tree, now):
    services.gathering_report(
        by=users["cadre"],
        area=tree["qianjin"],
        kind="funeral",
        family="王家",
        event_date=D - dt.timedelta(days=1),
        outcome="simplified",
    )
    late = services.gathering_report(
        by=users["cadre"],
        area=tree["qianjin_g1"],
        kind="funeral",
        family="李家",
        event_date=D - dt.timedelta(days=3),
    )
    assert late.reported_late and late.outcome == "pending"
    wedding = services.gathering_report(
        by=users["stranger"],
        area=tree["baiyun"],
        kind="wedding",
        family="张家",
        event_date=D + dt.timedelta(days=20),
    )
    assert not wedding.reported_late
    services.gathering_outcome(by=users["stranger"], gathering=wedding, outcome="postponed")
    with pytest.raises(ValidationError):
        services.gathering_outcome(by=users["cadre"], gathering=late, outcome="pending")
    with pytest.raises(PermissionDenied):
        services.gathering_outcome(by=users["cadre"], gathering=wedding, outcome="cancelled")
    f = figures.measure_figures(tree["township"], D)
    assert (f.simplified, f.postponed, f.dissuaded, f.cancelled) == (1, 1, 0, 0)
    assert figures.gatherings_by_village(tree["township"], D) == {
        ("前进村", "funeral", "simplified"): 1,
        ("前进村", "funeral", "pending"): 1,
        ("白云村", "wedding", "postponed"): 1,
    }
    assert figures.measure_figures(tree["township"], D - dt.timedelta(days=1)).simplified == 0


def test_a_venue_keeps_the_status_of_its_latest_check(users, tree, now):
    restaurant = services.venue_create(
        by=users["cadre"],
        area=tree["qianjin"],
        name="老王饭店",
        kind="restaurant",
        status="closed",
        day=D - dt.timedelta(days=5),
    )
    services.venue_create(
        by=users["cadre"], area=tree["qianjin"], name="前进茶馆", kind="teahouse", status="closed"
    )
    with pytest.raises(ValidationError):  # open with conditions must say which
        services.venue_check(by=users["cadre"], venue=restaurant, status="conditions")
    services.venue_check(
        by=users["cadre"], venue=restaurant, status="conditions", conditions="只做外卖", day=D
    )
    f = figures.measure_figures(tree["township"], D)
    assert (f.venues_closed, f.restaurants_closed) == (1, 0)
    before = figures.measure_figures(tree["township"], D - dt.timedelta(days=1))
    assert (before.venues_closed, before.restaurants_closed) == (1, 1)
    statuses = dict(Venue.objects.with_status(D).values_list("name", "status"))
    assert statuses == {"老王饭店": "conditions", "前进茶馆": "closed"}


def test_publicity_quantities_add_up(users, tree, now):
    services.publicity_record(
        by=users["township"], area=tree["township"], kind="van_trip", quantity=8
    )
    services.publicity_record(by=users["cadre"], area=tree["qianjin"], kind="letter", quantity=1200)
    with pytest.raises(ValidationError):
        services.publicity_record(
            by=users["cadre"], area=tree["qianjin"], kind="letter", quantity=0
        )
    f = figures.measure_figures(tree["township"], D)
    assert (f.van_trips, f.letters, f.broadcasts) == (8, 1200, 0)
    assert figures.measure_figures(tree["qianjin"], D).van_trips == 0  # the township's van


def test_inspection_findings_deadline_closure_and_accountability(users, tree, now):
    with pytest.raises(PermissionDenied):  # a village cadre does not inspect
        services.inspection_record(
            by=users["cadre"],
            area=tree["qianjin"],
            day=D,
            mode="announced",
            checklist={"on_post": True},
        )
    with pytest.raises(ValidationError):
        services.inspection_record(
            by=users["township"],
            area=tree["qianjin"],
            day=D,
            mode="announced",
            checklist={"nap": True},
        )
    inspection = services.inspection_record(
        by=users["township"],
        area=tree["qianjin"],
        day=D - dt.timedelta(days=2),
        mode="unannounced",
        checklist={"on_post": False, "screening": True},
    )
    assert [r[2] for r in inspection.checklist_rows()][:3] == [False, True, None]
    finding = services.finding_add(
        by=users["township"],
        inspection=inspection,
        item="on_post",
        description="卡口无人值守",
        deadline=D - dt.timedelta(days=1),
    )
    services.accountability_add(
        by=users["township"],
        inspection=inspection,
        finding=finding,
        person_name="潘某",
        measure="criticism",
    )
    f = figures.measure_figures(tree["township"], D)
    assert (f.inspections, f.findings_open, f.findings_overdue, f.accountable) == (1, 1, 1, 1)
    with pytest.raises(ValidationError):
        services.finding_close(by=users["cadre"], finding=finding, closure="")
    services.finding_close(by=users["cadre"], finding=finding, closure="已重新排班")  # the village
    with pytest.raises(ValidationError):
        services.finding_close(by=users["cadre"], finding=finding, closure="again")
    f = figures.measure_figures(tree["township"], D)
    assert (f.findings_open, f.findings_overdue) == (0, 0)
    # Seen on the day before, it was still open and overdue.
    assert figures.measure_figures(tree["township"], D - dt.timedelta(days=1)).findings_open == 1
    assert Finding.objects.in_area(tree["baiyun"]).count() == 0


def test_the_agent_is_handed_out_on_the_day_of_the_disinfection_not_of_the_typing(
    users, tree, now, clock
):
    """A disinfection of D typed the next morning from the paper sheet: its agent leaves the
    store on D (the ledger keeps when it was typed and says why it is late), so the hand-outs of
    D's report day hold it and the next day's do not."""
    from fangkong.reports.figures import FIGURES

    store, agent = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=5)
    bins = services.place_create(
        by=users["cadre"], area=tree["qianjin"], name="垃圾点", kind="bins"
    )
    typed = clock.set(local(D + dt.timedelta(days=1), 8, 30))
    record = services.disinfection_record(
        by=users["cadre"], place=bins, day=D, agent=agent, quantity=2, store=store
    )
    entry = record.entry
    assert (record.day, entry.day, entry.at) == (D, D, typed)
    assert entry.late_reason and D.isoformat() in entry.late_reason
    village = tree["qianjin"]
    assert FIGURES["supplies_handouts_today"].value(village, D) == 1
    assert FIGURES["supplies_handouts_today"].value(village, D + dt.timedelta(days=1)) == 0
    assert FIGURES["supplies_disinfectant_handed_out"].value(village, D) == 2
    assert FIGURES["disinfection_done"].value(village, D) == 1
    assert FIGURES["disinfection_done"].value(village, D + dt.timedelta(days=1)) == 0
    # Typed on its own day, it is dated that day and needs no reason.
    same_day = services.disinfection_record(
        by=users["cadre"], place=bins, agent=agent, quantity=1, store=store
    )
    assert (same_day.entry.day, same_day.entry.late_reason) == (D + dt.timedelta(days=1), "")
