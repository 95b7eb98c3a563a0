"""The hot writes insert these rows with ``core.rows.Insert``, which runs no ``save()`` and sends
no model signals (issue 19): nothing may listen to them, or it would silently not run."""

from __future__ import annotations

import pytest
from django.db.models import signals

from fangkong.checkpoints.models import Passage, PassageOccupant
from fangkong.core.models import AuditEvent
from fangkong.monitoring.models import CheckIn
from fangkong.screening.models import HouseholdVisit, PersonCheck
from fangkong.workforce.models import PointEntry

INSERTED = [
    AuditEvent,
    CheckIn,
    Passage,
    PassageOccupant,
    HouseholdVisit,
    PersonCheck,
    PointEntry,
]


@pytest.mark.parametrize("model", INSERTED, ids=lambda m: m.__name__)
def test_no_receiver_listens_to_rows_inserted_without_save(model: type) -> None:
    for signal in (signals.pre_save, signals.post_save):
        assert not signal.has_listeners(model), (
            f"{signal} has a receiver for {model.__name__}, which core.rows.Insert writes "
            "without save(): call it from the service instead"
        )
