"""The monitoring figures of the daily report, computed from the records for (area, date).

Nobody types these numbers: each is a count over cases, check-ins and alerts in the area's subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from fangkong.areas.models import Area
from fangkong.monitoring.models import (
    OBSERVED_STATES,
    Alert,
    AlertKind,
    CheckIn,
    Mode,
    ObservationCase,
    Status,
)

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


def _checkins_of(area: Area, day: dt.date):  # type: ignore[no-untyped-def]
    return (
        CheckIn.objects.in_area(area)
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


def missed_checkins(area: Area, day: dt.date) -> int:
    """Check-ins missed and still without a reading (one taken late counts as late)."""
    return (
        Alert.objects.in_area(area)
        .filter(date=day, kind=AlertKind.MISSED, checkin__isnull=True)
        .count()
    )


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


def monitoring_figures(area: Area, day: dt.date) -> MonitoringFigures:
    """All figures at once, in four aggregate queries (the daily report and the pages use this)."""
    cases = ObservationCase.objects.in_area(area)
    observed = Q(status__in=OBSERVED_STATES, start_date__lte=day)
    active = observed & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    counts = cases.aggregate(
        total=Count("pk", filter=observed),
        now=Count("pk", filter=active),
        home=Count("pk", filter=active & Q(mode=Mode.HOME)),
        central=Count("pk", filter=active & Q(mode=Mode.CENTRALISED)),
        new=Count("pk", filter=Q(status__in=OBSERVED_STATES, start_date=day)),
        released_today=Count("pk", filter=Q(status=Status.RELEASED, ended_on=day)),
        released=Count("pk", filter=Q(status=Status.RELEASED, ended_on__lte=day)),
    )
    taken = _checkins_of(area, day).aggregate(
        done=Count("pk"), late=Count("pk", filter=Q(late=True))
    )
    alerts = (
        Alert.objects.in_area(area)
        .filter(date=day)
        .aggregate(
            fever=Count("pk", filter=Q(kind=AlertKind.FEVER)),
            missed=Count("pk", filter=Q(kind=AlertKind.MISSED, checkin__isnull=True)),
        )
    )
    return MonitoringFigures(
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
        missed_checkins=alerts["missed"],
        late_checkins=taken["late"],
    )
