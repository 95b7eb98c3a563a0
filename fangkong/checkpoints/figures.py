"""The checkpoint figures of the daily report, from the passages of (area, date): two queries.

People are counted person by person: a vehicle whose people are listed (``occupants``) counts
each of them with their own outcome; otherwise its ``people`` share the passage's outcome.
Repeated registrations are never stored, so nothing is counted twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from fangkong.areas.models import Area
from fangkong.checkpoints.models import Direction, Outcome, Passage, PassageOccupant, Subject
from fangkong.monitoring.models import ObservationPolicy
from fangkong.reports.figures import Areas, calendar_day

DEFAULT_FEVER = Decimal("37.3")
THROUGH = [Outcome.ALLOWED, Outcome.REFERRED]


@dataclass(frozen=True)
class CheckpointFigures:
    people: int = 0  # let through, in and out
    people_in: int = 0
    people_out: int = 0
    vehicles: int = 0
    turned_back: int = 0  # people turned back (劝返)
    referred: int = 0  # people referred for observation
    fever_clinic: int = 0  # people sent to the fever clinic
    fevers: int = 0  # people found with a fever at the checkpoints
    risk_arrivals: int = 0  # people who came in from a risk area


def _counts(prefix: str, measure: str, fever: Decimal, *, listed: Q) -> dict:
    """One aggregate per figure; ``measure`` is "people" (a sum) or "pk" (one per row)."""
    agg = Sum if measure == "people" else Count
    p = prefix
    return {
        "people_in": agg(
            measure, filter=listed & Q(**{f"{p}direction": Direction.IN}) & Q(outcome__in=THROUGH)
        ),
        "people_out": agg(
            measure, filter=listed & Q(**{f"{p}direction": Direction.OUT}) & Q(outcome__in=THROUGH)
        ),
        "turned_back": agg(measure, filter=listed & Q(outcome=Outcome.TURNED_BACK)),
        "referred": agg(measure, filter=listed & Q(outcome=Outcome.REFERRED)),
        "fever_clinic": agg(measure, filter=listed & Q(outcome=Outcome.FEVER_CLINIC)),
        "fevers": Count("pk", filter=listed & Q(temperature__gte=fever)),
        "risk_arrivals": agg(
            measure, filter=listed & Q(via_risk_area=True) & Q(**{f"{p}direction": Direction.IN})
        ),
    }


def checkpoint_figures(
    area: Area, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> CheckpointFigures:
    """People let through in and out, vehicles, people turned back (劝返), referred for
    observation, sent to the fever clinic, with a fever, and arrived from a risk area, at the
    checkpoints of the area's subtree: passages of the calendar day, or of ``window`` (the
    daily report's 16:00-to-16:00 day), by the time each passage was made."""
    return checkpoint_figures_of(Areas(area), day, window)[area.pk]


def checkpoint_figures_of(
    areas: Areas, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> dict[int, CheckpointFigures]:
    """``checkpoint_figures`` of each of ``areas`` in the same queries (grouped by area)."""
    policy = ObservationPolicy.objects.in_force_on(day)
    fever = policy.fever_threshold if policy else DEFAULT_FEVER
    start, end = window or calendar_day(day)
    passages_of = areas.aggregate(
        Passage.objects.in_area(areas.area).filter(at__gte=start, at__lt=end),
        "checkpoint__area",
        vehicles=Count("pk", filter=Q(subject=Subject.VEHICLE)),
        **_counts("", "people", fever, listed=Q(occupants_listed=False)),
    )
    occupants_of = areas.aggregate(
        PassageOccupant.objects.in_area(areas.area).filter(
            passage__at__gte=start, passage__at__lt=end
        ),
        "passage__checkpoint__area",
        **_counts("passage__", "pk", fever, listed=Q()),
    )
    result = {}
    for key in areas.keys:
        passages, occupants = passages_of[key], occupants_of[key]
        totals = {
            name: int(passages.get(name) or 0) + int(occupants.get(name) or 0)
            for name in [*occupants, "vehicles"]
        }
        result[key] = CheckpointFigures(people=totals["people_in"] + totals["people_out"], **totals)
    return result
