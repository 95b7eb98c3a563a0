"""Cases and visits keep their household's area (issue 19): the dashboard counts them by it, so it
must stay what the register says after every move, amendment and import. Each check compares the
dashboard's live table with (a) the records placed by joining the residents and households up
to their area, as before the denormalised column, and (b) the daily report's figures; the
dashboard and the report share one rule for "under observation on a day"."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.areas.models import Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.monitoring import services as monitoring
from fangkong.monitoring.models import Alert, Mode, ObservationCase, Status, under_observation_on
from fangkong.monitoring.tests.factories import local, open_case, resident_in
from fangkong.registry import services as registry
from fangkong.registry.importing import residents_import
from fangkong.registry.models import Household, Resident
from fangkong.registry.tests.factories import (
    HouseholdFactory,
    make_id_number,
    move_to_another_county,
)
from fangkong.reports import live, rollup
from fangkong.reports.figures import FIGURES
from fangkong.screening.models import HouseholdVisit, PersonCheck, VisitOutcome, screened_on
from fangkong.screening.tests.factories import RoundFactory, record_visit

DAY = dt.date(2026, 11, 20)
PERSON = {"name": "张三", "at_home": True}


def truth(area, day: dt.date) -> dict[str, int]:
    """The live table's counts for ``area``, from the records placed by the register's joins
    (resident → household → area), not by the column kept on the cases and visits."""
    cases = ObservationCase.objects.filter(
        county_id=area.county_id, resident__household__area__path__startswith=area.path
    )
    active = cases.filter(under_observation_on(day))
    visits = HouseholdVisit.objects.filter(
        county_id=area.county_id,
        household__area__path__startswith=area.path,
        outcome=VisitOutcome.VISITED,
        visited_on__lte=day,
    )
    return {
        "households": Household.objects.filter(
            county_id=area.county_id, area__path__startswith=area.path
        ).count(),
        "screened": visits.values("household_id").distinct().count(),
        "monitored_now": active.count(),
        "at_home": active.filter(mode=Mode.HOME).count(),
        "centralised": active.filter(mode=Mode.CENTRALISED).count(),
        "released_total": cases.filter(status=Status.RELEASED, ended_on__lte=day).count(),
        "open_alerts": Alert.objects.filter(
            case__in=cases, handled_at__isnull=True, date__lte=day
        ).count(),
    }


def assert_places_kept() -> None:
    """Every case and visit has its household's area now (the invariant behind the figures)."""
    assert not ObservationCase.objects.exclude(area_id=F("resident__household__area_id")).exists()
    assert not HouseholdVisit.objects.exclude(area_id=F("household__area_id")).exists()
    for household in Household.objects.all():
        assert household.screened_on == screened_on(household.pk, household.county_id)


def assert_dashboard_agrees(*areas, day: dt.date = DAY) -> None:
    assert_places_kept()
    for area in areas:
        table = live.live_table(area, day)
        for row in [table.total, *table.rows]:
            expected = truth(row.area, day)
            got = {key: row.counts[key] for key in expected}
            assert got == expected, row.area.name
            # The report's figures of the same area: the one rule, the same counts.
            for key, count in live.FIGURE_COUNTS.items():
                assert FIGURES[key].value(row.area, day) == row.counts[count], (
                    row.area.name,
                    key,
                )


@pytest.fixture
def county(tree):
    """A second township (高崇山镇 → 新村, one grid) in the same county."""
    township = AreaFactory(
        name="高崇山镇", level=Level.TOWNSHIP, code="430502006000", parent=tree["county"]
    )
    village = AreaFactory(name="新村", level=Level.VILLAGE, code="430502006201", parent=township)
    grid = AreaFactory(name="新村1网格", level=Level.GRID, code="01", parent=village)
    return tree | {"gaochong": township, "xincun": village, "xincun_g1": grid}


@pytest.fixture
def records(county, users, clock):
    """Households with visits and cases in three villages of two townships."""
    by = users["county_admin"]
    start = DAY - dt.timedelta(days=3)
    clock.set(local(start, 10))
    screening_round = RoundFactory(
        area=county["township"], created_by=by, started_on=DAY - dt.timedelta(days=20)
    )
    other_round = RoundFactory(
        area=county["gaochong"], created_by=by, started_on=DAY - dt.timedelta(days=20)
    )
    homes = {
        "h1": HouseholdFactory(area=county["qianjin_g1"]),
        "h2": HouseholdFactory(area=county["qianjin_g2"]),
        "h3": HouseholdFactory(area=county["baiyun_g1"]),
        "h4": HouseholdFactory(area=county["xincun_g1"]),
    }
    for name, home in homes.items():
        round_ = other_round if name == "h4" else screening_round
        record_visit(round_, home, by=by, visited_on=start, people=[PERSON])
    cases = {
        "c1": open_case(by=by, resident=_member(homes["h1"]), start=start),
        "c1b": open_case(by=by, resident=_member(homes["h1"]), start=start),
        "c2": open_case(by=by, resident=_member(homes["h2"]), start=start, mode=Mode.CENTRALISED),
        "c3": open_case(by=by, resident=_member(homes["h3"]), start=start),
        "c4": open_case(by=by, resident=_member(homes["h4"]), start=start),
    }
    # A fever on the first day: an open alert where the person lives.
    monitoring.checkin_record(
        case=cases["c1"], by=by, temperature="38.2", day=start, slot=1, at=local(start, 8)
    )
    clock.set(local(DAY, 10))
    return {"homes": homes, "cases": cases, "round": screening_round, "other_round": other_round}


def _member(household):
    from fangkong.registry.tests.factories import ResidentFactory

    return ResidentFactory(household=household)


def test_cases_and_visits_take_their_households_area(county, records):
    cases, homes = records["cases"], records["homes"]
    assert cases["c1"].area_id == county["qianjin_g1"].pk
    assert HouseholdVisit.objects.get(household=homes["h4"]).area_id == county["xincun_g1"].pk
    assert_dashboard_agrees(county["county"], county["township"], county["qianjin"])
    table = live.live_table(county["county"], DAY)
    rows = {row.area.name: row for row in table.rows}
    assert rows["火车站乡"].monitored_now == 4 and rows["高崇山镇"].monitored_now == 1
    assert rows["火车站乡"].open_alerts == 1 and rows["火车站乡"].screened == 3


def test_the_dashboard_follows_households_moved_within_the_county(county, records, users):
    homes = records["homes"]
    by = users["county_admin"]
    # Within a village, to another village, and to the other township.
    registry.household_update(by=by, household=homes["h1"], area=county["baiyun_g1"])
    registry.household_update(by=by, household=homes["h2"], area=county["xincun"])
    assert ObservationCase.objects.get(pk=records["cases"]["c1"].pk).area_id == (
        county["baiyun_g1"].pk
    )
    assert_dashboard_agrees(county["county"], county["township"], county["gaochong"])
    table = live.live_table(county["county"], DAY)
    rows = {row.area.name: row for row in table.rows}
    assert rows["火车站乡"].monitored_now == 3 and rows["高崇山镇"].monitored_now == 2
    assert rows["高崇山镇"].centralised == 1 and rows["高崇山镇"].screened == 2
    village = {row.area.name: row for row in live.live_table(county["township"], DAY).rows}
    assert village["前进村"].monitored_now == 0 and village["白云村"].open_alerts == 1


def test_the_dashboard_follows_a_household_moved_to_another_county(county, records):
    other, village = move_to_another_county(records["homes"]["h3"])
    assert ObservationCase.objects.get(pk=records["cases"]["c3"].pk).area_id == village.pk
    assert_dashboard_agrees(county["county"], county["township"], other)
    assert live.live_table(county["county"], DAY).total.monitored_now == 4
    assert live.live_table(other, DAY).total.monitored_now == 1


def test_amendments_count_where_the_records_say(county, records, users, clock):
    by = users["county_admin"]
    cases, homes = records["cases"], records["homes"]
    # A release, an early end, a second visit that finds nobody, a new visit of an unvisited
    # household, the fever alert handled, a new case in a grid.
    clock.set(local(DAY + dt.timedelta(days=14), 10))
    monitoring.case_release(by=by, case=cases["c3"], on=DAY + dt.timedelta(days=14))
    clock.set(local(DAY, 10))
    monitoring.case_end_early(by=by, case=cases["c2"], reason="排除密接")
    alert = Alert.objects.get(case=cases["c1"])
    monitoring.alert_handle(by=by, alert=alert, action="rechecked_normal")
    late = HouseholdFactory(area=county["baiyun_g1"])
    record_visit(records["round"], late, by=by, visited_on=DAY, people=[PERSON])
    record_visit(records["round"], homes["h1"], by=by, visited_on=DAY)  # nobody home
    open_case(by=by, area=county["qianjin_g2"], start=DAY)
    for day in (DAY, DAY + dt.timedelta(days=14)):
        for area in (county["county"], county["township"], county["qianjin"]):
            assert_dashboard_agrees(area, day=day)


ID_MOVER = make_id_number(region="430502", seq=41, sex="M")


def _sheet(address: str, grid: str) -> bytes:
    lines = [
        "姓名,身份证号码,联系电话,户主姓名,与户主关系,家庭住址,网格",
        f"赵六,{ID_MOVER},,赵六,户主,{address},{grid}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_a_reimport_that_moves_a_person_moves_their_case(county, records, users):
    def run(data: bytes):
        return residents_import(
            source=io.BytesIO(data), filename="a.csv", area=county["qianjin"], by=None
        )

    run(_sheet("前进村1组1号", "1网格"))
    person = Resident.objects.get(name="赵六")
    case = open_case(by=users["county_admin"], resident=person, start=DAY)
    assert case.area_id == county["qianjin_g1"].pk
    result = run(_sheet("前进村2组9号", "2网格"))  # moved house: a new household in grid 2
    assert result.updated == 1
    person.refresh_from_db()
    case.refresh_from_db()
    assert person.household.area_id == county["qianjin_g2"].pk
    assert case.area_id == county["qianjin_g2"].pk
    assert_dashboard_agrees(county["county"], county["township"], county["qianjin"])


def test_person_checks_and_check_ins_follow_through_their_visit_and_case(county, records, users):
    """Risk-area travellers (via the visit) and check-ins (via the case) are scoped by the
    column too: a household's move takes them along."""
    registry.household_update(
        by=users["county_admin"], household=records["homes"]["h1"], area=county["xincun_g1"]
    )
    for area in (county["qianjin"], county["xincun"]):
        assert set(PersonCheck.objects.in_area(area).values_list("pk", flat=True)) == set(
            PersonCheck.objects.filter(
                visit__household__area__path__startswith=area.path
            ).values_list("pk", flat=True)
        )
    assert ObservationCase.objects.in_area(county["xincun"]).count() == 3
    assert not ObservationCase.objects.in_area(county["qianjin_g1"]).exists()


# --- query counts -------------------------------------------------------------------------------


def _more_villages(county, users, n: int) -> None:
    for k in range(n):
        village = AreaFactory(
            name=f"加村{k}",
            level=Level.VILLAGE,
            code=f"4305020052{k + 30}",
            parent=county["township"],
        )
        open_case(by=users["county_admin"], area=village, start=DAY - dt.timedelta(days=1))
        resident_in(village)


def _dashboard_queries(client, area, figure: str = "monitored_now") -> int:
    url = reverse("reports:dashboard", args=[area.pk])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url, {"date": DAY.isoformat(), "days": 30, "figure": figure})
    assert page.status_code == 200
    return len(captured.captured_queries)


def test_dashboard_queries_do_not_grow_with_villages(client, county, records, users):
    client.force_login(users["county_admin"])
    county_before = _dashboard_queries(client, county["county"])
    township_before = _dashboard_queries(client, county["township"])
    live_before = _live_queries(county["township"])
    _more_villages(county, users, 5)
    assert _dashboard_queries(client, county["county"]) == county_before
    assert _dashboard_queries(client, county["township"]) == township_before
    assert _live_queries(county["township"]) == live_before == 7
    # The fixed few: session and user, the area, the trend, the roll-up of the reports and
    # sheets, the live table, the breadcrumb.
    assert county_before <= 30 and township_before <= 30


def test_village_dashboard_bars_do_not_grow_with_grids(client, county, records, users):
    """A village's bars (one per grid) come from the same grouped queries whatever the number
    of grids, for a figure the live table counts and for one it does not; each bar is the
    grid's figure."""
    client.force_login(users["county_admin"])
    village = county["qianjin"]
    url = reverse("reports:dashboard", args=[village.pk])
    counts = {}
    for figure in ("monitored_now", "risk_area_travel", "screening_coverage"):
        before = _dashboard_queries(client, village, figure)
        counts[figure] = before
    for k in range(4):
        grid = AreaFactory(
            name=f"加{k}网格", level=Level.GRID, code=f"{k + 10:02d}", parent=village
        )
        open_case(by=users["county_admin"], area=grid, start=DAY - dt.timedelta(days=1))
    for figure, before in counts.items():
        assert _dashboard_queries(client, village, figure) == before, figure
    page = client.get(url, {"date": DAY.isoformat(), "figure": "monitored_now"})
    bars = page.context["chart_data"]["bars"]
    grids = list(village.children.order_by("path"))
    assert bars["names"] == [g.name for g in grids]
    assert bars["values"] == [FIGURES["monitored_now"].value(g, DAY) for g in grids]
    assert sum(bars["values"]) == FIGURES["monitored_now"].value(village, DAY) > 4


def _live_queries(area) -> int:
    with CaptureQueriesContext(connection) as captured:
        live.live_table(area, DAY)
    return len(captured.captured_queries)


def test_own_row_of_the_dashboard_is_the_roll_ups(client, county, records, users):
    """The dashboard's own-row bar (from the live table) is the roll-up's own row (from every
    figure over the area less the rows below)."""
    client.force_login(users["county_admin"])
    for area in (county["county"], county["township"]):
        full = rollup.rollup(area, DAY)
        table = live.live_table(area, DAY)
        for key in live.FIGURE_COUNTS:
            own = live.own_figure(
                table, FIGURES[key], DAY, [r.area for r in full.rows if not r.own]
            )
            assert own[key] == full.own.figures[key], (area.name, key)


def test_the_migrations_fill_the_area_of_existing_cases_and_visits(county, records):
    """The data migrations give every existing case and visit its household's area (here
    after scrambling them, as rows from before the column would have none)."""
    from importlib import import_module

    from django.apps import apps

    ObservationCase.objects.update(area=county["county"])
    HouseholdVisit.objects.update(area=county["county"])
    Household.objects.update(screened_on=DAY)
    import_module("fangkong.monitoring.migrations.0006_case_household_area").fill_areas(apps, None)
    import_module("fangkong.screening.migrations.0004_visit_household_area").fill_areas(apps, None)
    assert_places_kept()
    assert ObservationCase.objects.filter(area=county["qianjin_g1"]).count() == 2


def test_saving_a_household_page_keeps_the_day_a_visit_screened_it(county, records, users):
    """A visit recorded while the household's page was open is not undone by saving the page."""
    stale = Household.objects.get(pk=records["homes"]["h1"].pk)
    fresh = HouseholdFactory(area=county["qianjin_g1"])
    page = Household.objects.get(pk=fresh.pk)  # opened before the visit
    record_visit(records["round"], fresh, by=users["county_admin"], visited_on=DAY, people=[PERSON])
    registry.household_update(by=users["county_admin"], household=page, area=county["qianjin_g2"])
    registry.household_update(by=users["county_admin"], household=stale, area=county["qianjin_g2"])
    assert Household.objects.get(pk=fresh.pk).screened_on == DAY
    assert_dashboard_agrees(county["township"])
