"""What the field measures add up to for (area, date): disinfection coverage with the places not
yet done by name, gatherings by outcome, venues closed, publicity quantities, inspections with
findings and people held accountable. A fixed number of queries each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Sum

from fangkong.areas.models import Area
from fangkong.measures.models import (
    Accountability,
    Disinfection,
    Finding,
    Gathering,
    GatheringOutcome,
    Inspection,
    KeyPlace,
    Publicity,
    PublicityKind,
    Venue,
    VenueKind,
    VenueStatus,
)
from fangkong.reports.figures import Areas, calendar_day, happened_in


@dataclass(frozen=True)
class Coverage:
    planned: int
    done: int
    not_done: list[KeyPlace]

    @property
    def percent(self) -> float:
        return round(100 * self.done / self.planned, 1) if self.planned else 0.0


def disinfection_coverage(area: Area, day: dt.date) -> Coverage:
    """The places on the day's plan, how many were disinfected, and the others by name (one
    query)."""
    done = Disinfection.objects.filter(place=OuterRef("pk"), day=day)
    places = list(
        KeyPlace.objects.in_area(area)
        .planned_on(day)
        .annotate(done=Exists(done))
        .select_related("area", "responsible")
        .order_by("area__path", "name")
    )
    not_done = [p for p in places if not p.done]  # type: ignore[attr-defined]
    return Coverage(planned=len(places), done=len(places) - len(not_done), not_done=not_done)


@dataclass(frozen=True)
class MeasureFigures:
    places: int
    disinfected: int
    dissuaded: int
    postponed: int
    simplified: int
    cancelled: int
    restaurants_closed: int
    venues_closed: int
    broadcasts: int
    van_trips: int
    letters: int
    leaflets: int
    banners: int
    chat_messages: int
    inspections: int
    findings_open: int
    findings_overdue: int
    accountable: int

    @property
    def disinfection_coverage(self) -> float:
        return round(100 * self.disinfected / self.places, 1) if self.places else 0.0


def _count(kind_filter: Q) -> Count:
    return Count("pk", filter=kind_filter)


def measure_figures(
    area: Area, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> MeasureFigures:
    """Every measure figure for (area, date): gatherings and publicity to date, venues as their
    latest check found them, disinfection on the calendar day, or in ``window`` (the daily
    report's 16:00-to-16:00 day) by when each was done. Seven queries."""
    return measure_figures_of(Areas(area), day, window)[area.pk]


def measure_figures_of(
    areas: Areas, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> dict[int, MeasureFigures]:
    """``measure_figures`` of each of ``areas`` in the same queries (grouped by area)."""
    area = areas.area
    places = KeyPlace.objects.in_area(area).planned_on(day)
    disinfected = areas.aggregate(
        Disinfection.objects.in_area(area).filter(
            happened_in(window or calendar_day(day), day="day", at="at"), place__in=places
        ),
        "place__area",
        n=Count("place_id", distinct=True),
    )
    planned = areas.aggregate(places, "area", n=Count("pk"))
    outcomes_of = areas.aggregate(
        Gathering.objects.in_area(area).filter(reported_on__lte=day),
        "area",
        **{o: _count(Q(outcome=o, outcome_on__lte=day)) for o in GatheringOutcome.values},
    )
    closed_of = areas.aggregate(
        Venue.objects.in_area(area).with_status(day).filter(status=VenueStatus.CLOSED),  # type: ignore[misc]  # the annotation
        "area",
        all=Count("pk"),
        restaurants=_count(Q(kind=VenueKind.RESTAURANT)),
    )
    publicity_of = areas.aggregate(
        Publicity.objects.in_area(area).filter(day__lte=day),
        "area",
        **{k: Sum("quantity", filter=Q(kind=k)) for k in PublicityKind.values},
    )
    findings_of = areas.aggregate(
        Finding.objects.in_area(area).open_on(day),
        "inspection__area",
        open=Count("pk"),
        overdue=_count(Q(deadline__lt=day)),
    )
    inspections = areas.aggregate(
        Inspection.objects.in_area(area).filter(day__lte=day), "area", n=Count("pk")
    )
    accountable = areas.aggregate(
        Accountability.objects.in_area(area).filter(day__lte=day),
        "inspection__area",
        n=Count("pk"),
    )
    result = {}
    for key in areas.keys:
        outcomes, closed = outcomes_of[key], closed_of[key]
        publicity, findings = publicity_of[key], findings_of[key]
        result[key] = MeasureFigures(
            places=planned[key]["n"],
            disinfected=disinfected[key]["n"],
            dissuaded=outcomes[GatheringOutcome.DISSUADED],
            postponed=outcomes[GatheringOutcome.POSTPONED],
            simplified=outcomes[GatheringOutcome.SIMPLIFIED],
            cancelled=outcomes[GatheringOutcome.CANCELLED],
            restaurants_closed=closed["restaurants"],
            venues_closed=closed["all"],
            broadcasts=publicity[PublicityKind.BROADCAST] or 0,
            van_trips=publicity[PublicityKind.VAN_TRIP] or 0,
            letters=publicity[PublicityKind.LETTER] or 0,
            leaflets=publicity[PublicityKind.LEAFLET] or 0,
            banners=publicity[PublicityKind.BANNER] or 0,
            chat_messages=publicity[PublicityKind.CHAT_MESSAGE] or 0,
            inspections=inspections[key]["n"],
            findings_open=findings["open"],
            findings_overdue=findings["overdue"],
            accountable=accountable[key]["n"],
        )
    return result


def gatherings_by_village(area: Area, day: dt.date) -> dict[tuple[str, str, str], int]:
    """(village name, kind, outcome) → count up to ``day``: how the seed tells it (前进村 3
    funerals simplified …). One query."""
    rows = (
        Gathering.objects.in_area(area)
        .filter(reported_on__lte=day)
        .order_by()
        .values("area__path", "kind", "outcome")
        .annotate(n=Count("pk"))
    )
    paths = {"/".join(r["area__path"].split("/")[:3]) + "/" for r in rows}
    names = dict(Area.objects.filter(path__in=paths).values_list("path", "name"))
    result: dict[tuple[str, str, str], int] = {}
    for r in rows:
        village = names.get("/".join(r["area__path"].split("/")[:3]) + "/", "")
        key = (village, r["kind"], r["outcome"])
        result[key] = result.get(key, 0) + r["n"]
    return result
