"""The checkpoint figures of the daily report, from the passages of (area, date): one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from fangkong.areas.models import Area
from fangkong.checkpoints.models import Outcome, Passage, Subject


@dataclass(frozen=True)
class CheckpointFigures:
    people: int = 0
    vehicles: int = 0
    turned_back: int = 0
    referred: int = 0
    fever_clinic: int = 0


def checkpoint_figures(area: Area, day: dt.date) -> CheckpointFigures:
    """People passing (on foot and in vehicles), vehicles, turned back (劝返), referred for
    observation and sent to the fever clinic, at the checkpoints of the area's subtree."""
    values = (
        Passage.objects.in_area(area)
        .filter(day=day)
        .aggregate(
            people=Sum("people"),
            vehicles=Count("pk", filter=Q(subject=Subject.VEHICLE)),
            turned_back=Count("pk", filter=Q(outcome=Outcome.TURNED_BACK)),
            referred=Count("pk", filter=Q(outcome=Outcome.REFERRED)),
            fever_clinic=Count("pk", filter=Q(outcome=Outcome.FEVER_CLINIC)),
        )
    )
    return CheckpointFigures(**{k: int(v or 0) for k, v in values.items()})
