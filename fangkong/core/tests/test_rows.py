"""``rows.Insert`` writes what ``bulk_create`` writes (the same columns and values: defaults,
``auto_now_add``, encryption), sets the new keys, and refuses what ``save`` refuses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.checkpoints.models import Passage
from fangkong.checkpoints.tests.factories import make_checkpoint, staff_in
from fangkong.core.models import AuditEvent
from fangkong.core.rows import Insert, later, together
from fangkong.workforce.models import PointEntry

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2020, 2, 1, 1, 30, tzinfo=dt.UTC)


def _passage(checkpoint, by, plate: str) -> Passage:
    return Passage(
        county_id=checkpoint.county_id,
        checkpoint=checkpoint,
        at=MOMENT,
        day=MOMENT.date(),
        direction="in",
        subject="vehicle",
        plate=plate,
        vehicle_type="car",
        name="司机",
        phone="13912345678",
        temperature=Decimal("36.6"),
        outcome="allowed",
        by=by,
    )


def _stored(model, pk) -> tuple:
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    return model.objects.filter(pk=pk).values_list(*fields).get()


def test_the_rows_written_are_those_bulk_create_writes(tree):
    checkpoint = make_checkpoint(tree["qianjin"])
    staff = staff_in(tree["qianjin"])
    ours = [_passage(checkpoint, staff, "湘E10001"), _passage(checkpoint, staff, "湘E10002")]
    Insert(Passage).rows(ours)
    assert ours[0].pk and ours[1].pk and ours[0].pk != ours[1].pk
    assert not ours[0]._state.adding and ours[0]._state.db == connection.alias
    theirs = [_passage(checkpoint, staff, "湘E10001"), _passage(checkpoint, staff, "湘E10002")]
    Passage.objects.bulk_create(theirs)
    for mine, other in zip(ours, theirs, strict=True):
        assert _stored(Passage, mine.pk) == _stored(Passage, other.pk)
    # encrypted at rest, read back in clear
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM checkpoints_passage WHERE id = %s", [ours[0].pk])
        assert cursor.fetchone()[0] not in ("", "13912345678")
    assert Passage.objects.get(pk=ours[0].pk).phone == "13912345678"


def test_auto_now_add_and_defaults_are_filled_in(tree):
    before = timezone.now()
    event = Insert(AuditEvent).one(AuditEvent(action="create", detail="x"))
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at >= before and stored.at == event.at
    assert (stored.user_id, stored.rows, stored.ip, stored.field) == (None, None, None, "")


def test_an_unsaved_related_object_is_refused(tree):
    checkpoint = make_checkpoint(tree["qianjin"])
    passage = _passage(checkpoint, staff_in(tree["qianjin"]), "湘E10003")
    passage.household_pass = type(passage)._meta.get_field("household_pass").related_model()
    with pytest.raises(ValueError, match="unsaved related object"):
        Insert(Passage).one(passage)


def test_ignoring_conflicts_writes_a_row_once(tree):
    staff = staff_in(tree["qianjin"])
    kind = ContentType.objects.get_for_model(Passage)

    def entry() -> PointEntry:
        return PointEntry(
            county_id=tree["county"].pk,
            area=tree["qianjin"],
            user=staff,
            kind="passage",
            points=1,
            day=MOMENT.date(),
            record_type=kind,
            record_id=7,
        )

    insert = Insert(PointEntry, ignore_conflicts=True)
    insert.one(entry())
    insert.one(entry())  # the same record and kind: skipped, no error
    assert PointEntry.objects.filter(record_id=7).count() == 1


def test_one_unless_writes_only_when_nothing_is_found(tree):
    checkpoint = make_checkpoint(tree["qianjin"])
    staff = staff_in(tree["qianjin"])
    insert = Insert(Passage)
    same_plate = "SELECT 1 FROM checkpoints_passage p WHERE p.plate = %s"
    first = _passage(checkpoint, staff, "湘E10004")
    assert insert.one_unless(first, same_plate, ["湘E10004"]) is True
    assert first.pk and Passage.objects.get(pk=first.pk).plate == "湘E10004"
    again = _passage(checkpoint, staff, "湘E10004")
    assert insert.one_unless(again, same_plate, ["湘E10004"]) is False
    assert again.pk is None and again._state.adding
    assert Passage.objects.filter(plate="湘E10004").count() == 1


@pytest.mark.parametrize(
    "model",
    ["checkpoints.Passage", "checkpoints.PassageOccupant", "core.AuditEvent"]
    + ["screening.HouseholdVisit", "screening.PersonCheck", "workforce.PointEntry"]
    + ["monitoring.CheckIn"],
)
def test_values_passed_as_they_are_are_what_the_fields_would_send(model):
    """``Insert`` sends a plain text, integer or boolean value (or None) without the field's
    conversion: for every column of the hot paths' models, that is what the conversion gives."""
    from django.apps import apps

    from fangkong.core.rows import _passes

    samples: dict[type, list[object]] = {
        str: ["", "湘E12345", "in"],
        int: [0, 7, 2**40],
        bool: [True, False],
    }
    passed = 0
    for field in Insert(apps.get_model(model)).fields:
        kind = _passes(field)
        if kind is None:
            continue
        passed += 1
        for value in [None, *samples[kind]]:
            assert field.get_db_prep_save(value, connection=connection) == value, (field, value)
    assert passed  # the fast way is taken for some columns of each


def test_rows_written_later_go_together_at_the_end_of_the_block(tree):
    """``Insert.later`` inside ``together()``: nothing is sent until the block ends, then every row
    at once (one round trip on PostgreSQL); nothing at all if the block raises."""
    staff = staff_in(tree["qianjin"])
    checkpoint = make_checkpoint(tree["qianjin"])
    insert_audit = Insert(AuditEvent)
    insert_passages = Insert(Passage)
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as sent, together():
        insert_audit.later(AuditEvent(action="create", username="甲%s%%'", detail="一"))
        insert_passages.later_rows(
            [_passage(checkpoint, staff, "湘E00001"), _passage(checkpoint, staff, "湘E00002")]
        )
        later("UPDATE core_auditevent SET field = %s WHERE detail = %s", ["f", "一"])
        assert len(sent) == 0
        assert AuditEvent.objects.count() == before  # (a query of its own)
    assert len(sent) == 1 + (1 if connection.vendor == "postgresql" else 3)
    assert AuditEvent.objects.get(detail="一").field == "f"
    assert AuditEvent.objects.get(detail="一").username == "甲%s%%'"  # sent as it was
    assert Passage.objects.filter(plate__in=["湘E00001", "湘E00002"]).count() == 2
    with pytest.raises(RuntimeError), together():
        insert_audit.later(AuditEvent(action="create", username="乙", detail="二"))
        raise RuntimeError
    assert not AuditEvent.objects.filter(detail="二").exists()
    insert_audit.later(AuditEvent(action="create", username="丙", detail="三"))  # outside: at once
    assert AuditEvent.objects.filter(detail="三").exists()
