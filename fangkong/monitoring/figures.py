"""The monitoring figures of the daily report, computed from the records for (area, date).

Nobody types these numbers: each is a count over cases, check-ins and alerts in the area's subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.core.clock import local_tz
from fangkong.monitoring.models import (
    OBSERVED_STATES,
    Alert,
    AlertKind,
    CheckIn,
    Mode,
    ObservationCase,
    ObservationPolicy,
    Status,
    under_observation_on,
)
from fangkong.reports.figures import Areas, calendar_day, happened_before, happened_in

SLOTS_PER_DAY = 2


def _active(area: Area, day: dt.date):  # type: ignore[no-untyped-def]
    return ObservationCase.objects.in_area(area).active_on(day)


def monitored_now(area: Area, day: dt.date) -> int:
    return _active(area, day).count()


def at_home(area: Area, day: dt.date) -> int:
    return _active(area, day).filter(mode=Mode.HOME).count()


def centralised(area: Area, day: dt.date) -> int:
    return _active(area, day).filter(mode=Mode.CENTRALISED).count()


def monitored_total(area: Area, day: dt.date) -> int:
    """Everyone ever put under observation up to that day (重点监控人员)."""
    return (
        ObservationCase.objects.in_area(area)
        .filter(status__in=OBSERVED_STATES, start_date__lte=day)
        .count()
    )


def new_on(area: Area, day: dt.date) -> int:
    return (
        ObservationCase.objects.in_area(area)
        .filter(status__in=OBSERVED_STATES, start_date=day)
        .count()
    )


def released_on(area: Area, day: dt.date) -> int:
    return (
        ObservationCase.objects.in_area(area).filter(status=Status.RELEASED, ended_on=day).count()
    )


def released_total(area: Area, day: dt.date) -> int:
    return (
        ObservationCase.objects.in_area(area)
        .filter(status=Status.RELEASED, ended_on__lte=day)
        .count()
    )


def checkins_due(area: Area, day: dt.date) -> int:
    return monitored_now(area, day) * SLOTS_PER_DAY


def _checkins_of(areas: Areas, day: dt.date):  # type: ignore[no-untyped-def]
    """Check-ins of the day by people under observation that day, of ``areas`` by the case's
    area id: the cases of the areas from their (county, area) index, then each one's reading
    from the check-ins' (county, case, date, slot) index."""
    return (
        areas.placed(CheckIn.objects.all(), "case__area")
        # The case's county named too (its area's: the same as the check-in's), so that the
        # cases' (county, area) index serves.
        .filter(case__county_id=areas.area.county_id)
        .filter(date=day, case__status__in=OBSERVED_STATES, case__start_date__lte=day)
        .filter(Q(case__ended_on__isnull=True) | Q(case__ended_on__gt=day))
    )


def checkins_done(area: Area, day: dt.date) -> int:
    """Check-ins of the day by people under observation that day (the case's own columns, so one
    join to the cases and none further up at county level)."""
    return (
        CheckIn.objects.in_area(area)
        .filter(date=day, case__status__in=OBSERVED_STATES, case__start_date__lte=day)
        .filter(Q(case__ended_on__isnull=True) | Q(case__ended_on__gt=day))
        .count()
    )


def _alerts(area: Area, day: dt.date, kind: AlertKind) -> int:
    return Alert.objects.in_area(area).filter(date=day, kind=kind).count()


def fever_alerts(area: Area, day: dt.date) -> int:
    return _alerts(area, day, AlertKind.FEVER)


def _missed_filters(day: dt.date, now: dt.datetime) -> dict[int, Q]:
    """Per slot, the cases for which it was due and has closed by ``now``: its policy's slot
    ended by then and the case was opened before it ended (the same rule as the missed alerts)."""
    filters: dict[int, Q] = {}
    for policy in ObservationPolicy.objects.all():
        for slot in (1, 2):
            end = policy.slot_end(day, slot)
            if end <= now:
                due = Q(policy_id=policy.pk, opened_at__lt=end)
                filters[slot] = filters[slot] | due if slot in filters else due
    return filters


def _recorded(day: dt.date, slot: int) -> Exists:
    """The case has a reading for (day, slot): one probe of the check-ins' unique
    (county, case, date, slot) index (the case's county named, so that the index serves)."""
    return Exists(
        CheckIn.objects.filter(
            county_id=OuterRef("county_id"), case=OuterRef("pk"), date=day, slot=slot
        )
    )


def _missed_aggregates(day: dt.date, now: dt.datetime, among: Q) -> dict[str, Count]:
    """One count per slot closed by ``now``: cases ``among`` those given, due, with no reading."""
    aggregates: dict[str, Count] = {}
    for slot, due in _missed_filters(day, now).items():
        recorded = _recorded(day, slot)
        aggregates[f"missed_{slot}"] = Count("pk", filter=among & due & ~Q(recorded))
    return aggregates


def _active_q(day: dt.date) -> Q:
    return under_observation_on(day)  # the one rule, shared with the dashboard and the lists


def missed_checkins(area: Area, day: dt.date, now: dt.datetime | None = None) -> int:
    """Slots of the day that were due, have closed and have no temperature: computed from the
    cases and their check-ins, right whether or not the missed-check-in alerts were raised."""
    aggregates = _missed_aggregates(day, now or timezone.now(), _active_q(day))
    if not aggregates:
        return 0
    counts = ObservationCase.objects.in_area(area).aggregate(**aggregates)
    return sum(int(v or 0) for v in counts.values())


def missed_checkin_cases(
    area: Area, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> QuerySet:
    """The cases of ``area`` with a temperature slot that closed in the report day
    ``[start, end)`` (and before ``now``, default: the present) while it was due and had no
    reading, each annotated ``missed_slots`` (how many such slots): the list behind the daily
    report's "missed check-ins", whose sum of ``missed_slots`` is the figure. A slot counts in the
    report day in which it closed, so that no slot falls between two reports (the evening slot
    closing at 20:00 is in the next day's report). Derived from the cases and their check-ins:
    right whether or not the missed-slot alerts were raised."""
    stop = min(end, now or timezone.now())
    cases = ObservationCase.objects.in_area(area)
    local = local_tz()
    first = start.astimezone(local).date() - dt.timedelta(days=1)
    last = stop.astimezone(local).date()
    flags = []
    any_missed = Q(pk__in=[])
    for policy in ObservationPolicy.objects.all():
        day = first
        while day <= last:
            for slot in (1, 2):
                closed = policy.slot_end(day, slot)
                if not start <= closed < stop:
                    continue
                recorded = _recorded(day, slot)
                missed = (
                    Q(policy_id=policy.pk, opened_at__lt=closed) & _active_q(day) & ~Q(recorded)
                )
                any_missed |= missed
                flags.append(
                    Case(When(missed, then=Value(1)), default=Value(0), output_field=IntegerField())
                )
            day += dt.timedelta(days=1)
    if not flags:  # no slot closed in the window: an empty list that still adds up (to 0)
        return cases.none().annotate(missed_slots=Value(0, output_field=IntegerField()))
    total: Any = flags[0]
    for flag in flags[1:]:
        total = total + flag
    return cases.filter(any_missed).annotate(missed_slots=total).select_related("resident")


def late_checkins(area: Area, day: dt.date) -> int:
    """Readings of the day typed after their check-in's window closed."""
    return CheckIn.objects.in_area(area).filter(date=day, late=True).count()


@dataclass(frozen=True)
class MonitoringFigures:
    monitored_total: int
    monitored_now: int
    at_home: int
    centralised: int
    new_today: int
    released_today: int
    released_total: int
    checkins_due: int
    checkins_done: int
    fever_alerts: int
    missed_checkins: int
    late_checkins: int = 0


def known_by(end: dt.datetime) -> Q:
    """Cases recorded by ``end``: opened before it on their start day, or backdated to a start
    day that began before it (a person missed in the report, added later, is in the amendment;
    a case opened in the evening after the cut-off is not)."""
    return happened_before(end, day="start_date", at="opened_at")


def released_in(window: tuple[dt.datetime, dt.datetime]) -> Q:
    """Released in the window, by when the release was recorded (or the start of its date when
    it is dated another day than it was typed)."""
    return Q(status=Status.RELEASED) & happened_in(window, day="ended_on", at="ended_at")


def released_by(end: dt.datetime) -> Q:
    return Q(status=Status.RELEASED) & happened_before(end, day="ended_on", at="ended_at")


def monitoring_figures(
    area: Area,
    day: dt.date,
    now: dt.datetime | None = None,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> MonitoringFigures:
    """All figures at once, in a few aggregate queries (the daily report and the pages use this).

    Missed check-ins are the slots due and closed by ``now`` (default: the present) with no
    temperature recorded, whatever the alerts say. Releases are those of the calendar day, or
    of ``window`` (the daily report's 16:00-to-16:00 day)."""
    return monitoring_figures_of(Areas(area), day, now, window)[area.pk]


def monitoring_figures_of(
    areas: Areas,
    day: dt.date,
    now: dt.datetime | None = None,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> dict[int, MonitoringFigures]:
    """``monitoring_figures`` of each of ``areas`` (an area, or a roll-up's area and each area
    below it) in the same three queries, grouped by the case's area."""
    window = window or calendar_day(day)
    # By the rows' own area id (a roll-up's areas read once): the (county, area) index of the
    # cases gives those of the areas, no join up to the area table.
    cases = areas.placed(ObservationCase.objects.all(), "area")
    # As the report day ends (an amendment made in the evening still says how things stood at
    # the cut-off, not with the cases opened since).
    known = known_by(window[1])
    observed = Q(status__in=OBSERVED_STATES, start_date__lte=day) & known
    active = _active_q(day) & known
    missed = _missed_aggregates(day, now or timezone.now(), _active_q(day))
    counts_of = areas.aggregate(
        cases,
        "area",
        **missed,
        total=Count("pk", filter=observed),
        now=Count("pk", filter=active),
        home=Count("pk", filter=active & Q(mode=Mode.HOME)),
        central=Count("pk", filter=active & Q(mode=Mode.CENTRALISED)),
        new=Count("pk", filter=Q(status__in=OBSERVED_STATES, start_date=day)),
        released_today=Count("pk", filter=released_in(window)),
        released=Count("pk", filter=released_by(window[1])),
    )
    taken_of = areas.aggregate(
        _checkins_of(areas, day),
        "case__area",
        done=Count("pk"),
        late=Count("pk", filter=Q(late=True)),
    )
    alerts_of = areas.aggregate(
        areas.placed(Alert.objects.all(), "case__area").filter(date=day),
        "case__area",
        fever=Count("pk", filter=Q(kind=AlertKind.FEVER)),
    )
    result = {}
    for key in areas.keys:
        counts, taken, alerts = counts_of[key], taken_of[key], alerts_of[key]
        result[key] = MonitoringFigures(
            monitored_total=counts["total"],
            monitored_now=counts["now"],
            at_home=counts["home"],
            centralised=counts["central"],
            new_today=counts["new"],
            released_today=counts["released_today"],
            released_total=counts["released"],
            checkins_due=counts["now"] * SLOTS_PER_DAY,
            checkins_done=taken["done"],
            fever_alerts=alerts["fever"],
            missed_checkins=sum(int(counts.get(name) or 0) for name in missed),
            late_checkins=taken["late"],
        )
    return result
