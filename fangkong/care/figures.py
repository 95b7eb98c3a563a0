"""What care adds up to for (area, date): errands done and money advanced, totals per village and
per person, care visits done and the plans overdue, by name. A fixed number of queries each."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from fangkong.areas.models import Area, Level
from fangkong.care.models import CarePlan, CareVisit, Errand, ErrandStatus
from fangkong.reports.figures import Areas, calendar_day, happened_before, happened_in

ZERO = Decimal("0")


@dataclass(frozen=True)
class ErrandFigures:
    done_today: int
    done_total: int
    money_total: Decimal
    open_now: int


def errand_filters(window: tuple[dt.datetime, dt.datetime]) -> dict[str, Q]:
    """Done in the window, done by its end, waiting at its end: the rows of each errand figure."""
    closed_by_end = happened_before(window[1], day="closed_on", at="closed_at")
    return {
        "today": Q(status=ErrandStatus.DONE) & happened_in(window, day="closed_on", at="closed_at"),
        "done": Q(status=ErrandStatus.DONE) & closed_by_end,
        "open": happened_before(window[1], day="requested_on", at="requested_at")
        & (Q(closed_on__isnull=True) | ~closed_by_end),
    }


def errand_figures(
    area: Area, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> ErrandFigures:
    """One aggregate: errands done on the day and up to it, money advanced, still open; of the
    calendar day, or of ``window`` (the daily report's 16:00-to-16:00 day), by when each errand
    was done."""
    return errand_figures_of(Areas(area), day, window)[area.pk]


def errand_figures_of(
    areas: Areas, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> dict[int, ErrandFigures]:
    """``errand_figures`` of each of ``areas`` in the same one aggregate (grouped by area)."""
    rows = errand_filters(window or calendar_day(day))
    done, still_open = rows["done"], rows["open"]
    counts_of = areas.aggregate(
        Errand.objects.in_area(areas.area),
        "household__area",
        today=Count("pk", filter=rows["today"]),
        total=Count("pk", filter=done),
        money=Sum("money_spent", filter=done),
        open=Count("pk", filter=still_open),
    )
    return {
        key: ErrandFigures(
            done_today=counts["today"],
            done_total=counts["total"],
            money_total=counts["money"] or ZERO,
            open_now=counts["open"],
        )
        for key, counts in counts_of.items()
    }


@dataclass
class Totals:
    """Errands done up to a date by one village or one person, and the money behind them."""

    label: str
    done: int = 0
    money_spent: Decimal = ZERO
    money_repaid: Decimal = ZERO
    key: int | None = None

    @property
    def outstanding(self) -> Decimal:
        return self.money_spent - self.money_repaid

    def add(self, done: int, spent: Decimal | None, repaid: Decimal | None) -> None:
        self.done += done
        self.money_spent += spent or ZERO
        self.money_repaid += repaid or ZERO


@dataclass
class ErrandTotals:
    villages: list[Totals] = field(default_factory=list)
    people: list[Totals] = field(default_factory=list)
    total: Totals = field(default_factory=lambda: Totals(""))


def errand_totals(area: Area, day: dt.date) -> ErrandTotals:
    """Done errands up to ``day`` per village (of the area's subtree) and per person: three
    queries whatever the number of errands."""
    done = Errand.objects.in_area(area).done_by(day).order_by()
    by_area = list(
        done.values("household__area__path").annotate(
            n=Count("pk"), spent=Sum("money_spent"), repaid=Sum("money_repaid")
        )
    )
    result = ErrandTotals()
    # Villages: the first three levels of an area path (county/township/village/).
    village_paths = {"/".join(r["household__area__path"].split("/")[:3]) + "/" for r in by_area}
    names = dict(
        Area.objects.filter(path__in=village_paths, level=Level.VILLAGE).values_list("path", "name")
    )
    villages: dict[str, Totals] = {}
    for row in by_area:
        path = "/".join(row["household__area__path"].split("/")[:3]) + "/"
        totals = villages.setdefault(path, Totals(names.get(path, path)))
        totals.add(row["n"], row["spent"], row["repaid"])
        result.total.add(row["n"], row["spent"], row["repaid"])
    result.villages = [villages[p] for p in sorted(villages)]
    people: dict[int, Totals] = defaultdict(lambda: Totals(""))
    for person in done.values(
        "assignee_id", "assignee__first_name", "assignee__last_name", "assignee__username"
    ).annotate(n=Count("pk"), spent=Sum("money_spent"), repaid=Sum("money_repaid")):
        name = (
            f"{person['assignee__first_name']} {person['assignee__last_name']}".strip()
            or person["assignee__username"]
        )
        totals = people[person["assignee_id"]]
        totals.label, totals.key = name, person["assignee_id"]
        totals.add(person["n"], person["spent"], person["repaid"])
    result.people = sorted(people.values(), key=lambda t: (-t.done, t.label))
    return result


# --- care plans -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueVisit:
    plan: CarePlan
    due: dt.date
    days: int


def overdue_visits(area: Area, day: dt.date) -> list[OverdueVisit]:
    """Plans running on ``day`` whose visit is past due, most overdue first, with the resident's
    name: one query."""
    return overdue_visits_of(Areas(area), day)[area.pk]


def overdue_visits_of(areas: Areas, day: dt.date) -> dict[int, list[OverdueVisit]]:
    """``overdue_visits`` of each of ``areas``: the same one query, split by area."""
    area = areas.area
    plans = (
        CarePlan.objects.in_area(area)
        .running_on(day)
        .with_last_visit(day)
        .select_related("resident__household__area", "responsible")
        .defer("resident__id_number", "resident__phone", "resident__household__phone")
    )
    result = []
    for plan in plans:
        days = plan.days_overdue(plan.last_visit, day)  # type: ignore[attr-defined]
        if days:
            result.append(OverdueVisit(plan, plan.due_on(plan.last_visit), days))  # type: ignore[attr-defined]
    result.sort(key=lambda o: (-o.days, o.plan.resident.name, o.plan.pk))
    return areas.split((o.plan.resident.household.area_id, o) for o in result)


@dataclass(frozen=True)
class CareFigures:
    visits_today: int
    overdue: int


def care_figures(
    area: Area, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> CareFigures:
    """Visits of the calendar day, or of ``window`` (the report day), and plans overdue."""
    return care_figures_of(Areas(area), day, window)[area.pk]


def care_figures_of(
    areas: Areas, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> dict[int, CareFigures]:
    """``care_figures`` of each of ``areas`` in the same two queries."""
    visited = happened_in(window or calendar_day(day), day="date", at="at")
    visits = areas.aggregate(
        CareVisit.objects.in_area(areas.area).filter(visited),
        "plan__resident__household__area",
        n=Count("pk"),
    )
    overdue = overdue_visits_of(areas, day)
    return {
        key: CareFigures(visits_today=visits[key]["n"], overdue=len(overdue[key]))
        for key in areas.keys
    }
