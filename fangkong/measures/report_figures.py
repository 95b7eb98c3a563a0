"""Field measures in the daily report: disinfection coverage of the day; gatherings by outcome,
venues closed, publicity and inspections to date. One shared aggregate for all of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.measures.figures import MeasureFigures, measure_figures, measure_figures_of
from fangkong.measures.models import (
    PUBLICITY_UNITS,
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
from fangkong.reports.figures import (
    TIMES,
    Areas,
    Figure,
    FigureContext,
    Records,
    Window,
    register,
    shared_below,
    sum_of,
)

DISINFECTION = _("Disinfection")
GATHERINGS = _("Gatherings and venues")
PUBLICITY = _("Publicity")
INSPECTIONS = _("Inspections")
PLACES = _("places")


def _m(ctx: FigureContext) -> MeasureFigures:
    return ctx.shared("measures", lambda area, day: measure_figures(area, day, ctx.window))


def _page(name: str, query: str = "") -> Callable[[FigureContext], str]:
    return lambda ctx: reverse(f"measures:{name}") + (f"?{query}" if query else "")


_SECTIONS = [
    (
        DISINFECTION,
        [
            Figure(
                "disinfection_places", _("Key places to disinfect"), PLACES, lambda c: _m(c).places
            ),
            Figure(
                "disinfection_done",
                _("Key places disinfected today"),
                PLACES,
                lambda c: _m(c).disinfected,
            ),
            Figure(
                "disinfection_coverage",
                _("Disinfection coverage"),
                "%",
                lambda c: _m(c).disinfection_coverage,
                ratio_of=("disinfection_done", "disinfection_places"),
            ),
        ],
        _page("disinfection"),
    ),
    (
        GATHERINGS,
        [
            Figure(
                "gatherings_dissuaded", _("Gatherings dissuaded"), TIMES, lambda c: _m(c).dissuaded
            ),
            Figure(
                "gatherings_postponed",
                _("Weddings and banquets postponed"),
                TIMES,
                lambda c: _m(c).postponed,
            ),
            Figure(
                "gatherings_simplified",
                _("Funerals and weddings simplified"),
                TIMES,
                lambda c: _m(c).simplified,
            ),
            Figure(
                "gatherings_cancelled", _("Gatherings cancelled"), TIMES, lambda c: _m(c).cancelled
            ),
            Figure("venues_closed", _("Venues closed"), PLACES, lambda c: _m(c).venues_closed),
            Figure(
                "restaurants_closed",
                _("Restaurants closed"),
                PLACES,
                lambda c: _m(c).restaurants_closed,
            ),
        ],
        _page("gathering_list"),
    ),
    (
        PUBLICITY,
        [
            Figure(
                "publicity_broadcasts",
                _("Loudspeaker broadcasts"),
                PUBLICITY_UNITS[PublicityKind.BROADCAST],
                lambda c: _m(c).broadcasts,
            ),
            Figure(
                "publicity_van_trips",
                _("Publicity van trips"),
                PUBLICITY_UNITS[PublicityKind.VAN_TRIP],
                lambda c: _m(c).van_trips,
            ),
            Figure(
                "publicity_letters",
                _("Letters to residents"),
                PUBLICITY_UNITS[PublicityKind.LETTER],
                lambda c: _m(c).letters,
            ),
            Figure(
                "publicity_leaflets",
                _("Leaflets"),
                PUBLICITY_UNITS[PublicityKind.LEAFLET],
                lambda c: _m(c).leaflets,
            ),
            Figure(
                "publicity_banners",
                _("Banners and posters"),
                PUBLICITY_UNITS[PublicityKind.BANNER],
                lambda c: _m(c).banners,
            ),
            Figure(
                "publicity_chat_messages",
                _("Messages to chat groups"),
                PUBLICITY_UNITS[PublicityKind.CHAT_MESSAGE],
                lambda c: _m(c).chat_messages,
            ),
        ],
        _page("publicity_list"),
    ),
    (
        INSPECTIONS,
        [
            Figure("inspections", _("Inspections"), TIMES, lambda c: _m(c).inspections),
            Figure(
                "inspection_findings_open",
                _("Findings still to put right"),
                _("findings"),
                lambda c: _m(c).findings_open,
            ),
            Figure(
                "inspection_findings_overdue",
                _("Findings past their deadline"),
                _("findings"),
                lambda c: _m(c).findings_overdue,
            ),
            Figure(
                "people_held_accountable",
                _("People held accountable"),
                _("people"),
                lambda c: _m(c).accountable,
            ),
        ],
        _page("inspection_list"),
    ),
]


def _places(ctx: FigureContext) -> QuerySet:
    return KeyPlace.objects.in_area(ctx.area).planned_on(ctx.day)


def _disinfected(ctx: FigureContext) -> QuerySet:
    done = Disinfection.objects.filter(ctx.during(day="day", at="at"), place=OuterRef("pk"))
    return _places(ctx).filter(Exists(done))


def _gatherings(outcome: str):  # type: ignore[no-untyped-def]
    return lambda ctx: Gathering.objects.in_area(ctx.area).filter(
        reported_on__lte=ctx.day, outcome=outcome, outcome_on__lte=ctx.day
    )


def _closed(**filters: str):  # type: ignore[no-untyped-def]
    return lambda ctx: (
        Venue.objects.in_area(ctx.area)
        .with_status(ctx.day)
        .filter(status=VenueStatus.CLOSED, **filters)  # type: ignore[misc]  # the annotation
    )


def _publicity(kind: str):  # type: ignore[no-untyped-def]
    return lambda ctx: Publicity.objects.in_area(ctx.area).filter(day__lte=ctx.day, kind=kind)


def _findings(*, overdue: bool):  # type: ignore[no-untyped-def]
    def rows(ctx: FigureContext) -> QuerySet:
        found = Finding.objects.in_area(ctx.area).open_on(ctx.day)
        return found.filter(deadline__lt=ctx.day) if overdue else found

    return rows


_QUANTITY = sum_of("quantity")
_RECORDS: dict[str, tuple[object, str, object]] = {
    "disinfection_places": (_places, "area__name", None),
    "disinfection_done": (_disinfected, "area__name", None),
    "gatherings_dissuaded": (_gatherings(GatheringOutcome.DISSUADED), "area__name", None),
    "gatherings_postponed": (_gatherings(GatheringOutcome.POSTPONED), "area__name", None),
    "gatherings_simplified": (_gatherings(GatheringOutcome.SIMPLIFIED), "area__name", None),
    "gatherings_cancelled": (_gatherings(GatheringOutcome.CANCELLED), "area__name", None),
    "venues_closed": (_closed(), "area__name", None),
    "restaurants_closed": (_closed(kind=VenueKind.RESTAURANT), "area__name", None),
    "publicity_broadcasts": (_publicity(PublicityKind.BROADCAST), "area__name", _QUANTITY),
    "publicity_van_trips": (_publicity(PublicityKind.VAN_TRIP), "area__name", _QUANTITY),
    "publicity_letters": (_publicity(PublicityKind.LETTER), "area__name", _QUANTITY),
    "publicity_leaflets": (_publicity(PublicityKind.LEAFLET), "area__name", _QUANTITY),
    "publicity_banners": (_publicity(PublicityKind.BANNER), "area__name", _QUANTITY),
    "publicity_chat_messages": (
        _publicity(PublicityKind.CHAT_MESSAGE),
        "area__name",
        _QUANTITY,
    ),
    "inspections": (
        lambda ctx: Inspection.objects.in_area(ctx.area).filter(day__lte=ctx.day),
        "area__name",
        None,
    ),
    "inspection_findings_open": (_findings(overdue=False), "inspection__area__name", None),
    "inspection_findings_overdue": (_findings(overdue=True), "inspection__area__name", None),
    "people_held_accountable": (
        lambda ctx: Accountability.objects.in_area(ctx.area).filter(day__lte=ctx.day),
        "inspection__area__name",
        None,
    ),
}


def _records(key: str, page) -> Records | None:  # type: ignore[no-untyped-def]
    if key not in _RECORDS:
        return None
    rows, where, total = _RECORDS[key]
    if total is None:
        return Records(rows, where, page=page)  # type: ignore[arg-type]
    return Records(rows, where, total=total, page=page)  # type: ignore[arg-type]


for _section, _figures, _link in _SECTIONS:
    for _figure in _figures:
        register(
            replace(
                _figure,
                section=_section,
                link=_figure.link or _link,
                records=_records(_figure.key, _link),
            )
        )


# The same computations for a roll-up's area and every area below it at once (one grouped
# query each: ``figures.compute_below``).


@shared_below("measures")
def _measures_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    return dict(measure_figures_of(areas, day, window))
