"""Writes to checkpoints: passages, pass scans, passes, self-registrations, checkpoints.

The page, the API and the demo all come here. Registering a passage is a constant number of
queries whatever the size of the county (see ``tests/test_speed.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.accounts.caching import ProcessCache
from fangkong.areas.models import Area
from fangkong.checkpoints.models import (
    Checkpoint,
    CheckpointKind,
    Direction,
    HouseholdPass,
    Outcome,
    Passage,
    PassageOccupant,
    PassageSource,
    PreRegistration,
    Subject,
    VehicleType,
    new_token,
)
from fangkong.checkpoints.plates import validate_plate
from fangkong.core.audit import audit_record, changes, snapshot
from fangkong.core.clock import local_tz
from fangkong.core.masking import mask_id, mask_phone
from fangkong.core.models import AuditAction
from fangkong.core.rows import Columns, Insert, fetch_one, ts
from fangkong.core.validators import validate_id_number, validate_phone
from fangkong.monitoring import services as monitoring
from fangkong.monitoring.models import Category, Mode, ObservationPolicy, Source
from fangkong.registry.models import Household, Resident, id_index
from fangkong.screening.models import RiskArea
from fangkong.screening.risk import risk_areas_all, travel_assess

if TYPE_CHECKING:
    from fangkong.accounts.models import User

DEFAULT_FEVER = Decimal("37.3")
MAX_PEOPLE_PER_VEHICLE = 60


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment, local_tz())


# --- checkpoints ------------------------------------------------------------------------------


@transaction.atomic
def checkpoint_save(
    *,
    by: User,
    area: Area,
    name: str,
    kind: str,
    opens_at: dt.time | None = None,
    closes_at: dt.time | None = None,
    active: bool = True,
    checkpoint: Checkpoint | None = None,
) -> Checkpoint:
    require(by, area, Cap.CHECKPOINTS_MANAGE)
    if checkpoint is not None:
        require(by, checkpoint.area, Cap.CHECKPOINTS_MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the checkpoint.")})
    if kind not in CheckpointKind.values:
        raise ValidationError({"kind": _("Choose the kind of checkpoint.")})
    if (opens_at is None) != (closes_at is None):
        raise ValidationError(
            {"closes_at": _("Give both the opening and the closing time, or neither.")}
        )
    fields = ("area", "name", "kind", "opens_at", "closes_at", "active")
    before = snapshot(checkpoint, fields) if checkpoint is not None else None
    checkpoint = checkpoint or Checkpoint()
    checkpoint.area = area
    checkpoint.name = name
    checkpoint.kind = kind
    checkpoint.opens_at = opens_at
    checkpoint.closes_at = closes_at
    checkpoint.active = active
    try:
        with transaction.atomic():
            checkpoint.save()
    except IntegrityError as error:
        raise ValidationError(
            {"name": _("This area already has a checkpoint of that name.")}
        ) from error
    audit_record(
        user=by,
        action=AuditAction.UPDATE if before is not None else AuditAction.CREATE,
        area=area,
        obj=checkpoint,
        detail=changes(before, checkpoint) if before is not None else "",
    )
    return checkpoint


@transaction.atomic
def checkpoint_new_poster(*, by: User, checkpoint: Checkpoint) -> Checkpoint:
    """A new self-registration link: the old poster stops working."""
    require(by, checkpoint.area, Cap.CHECKPOINTS_MANAGE)
    checkpoint.register_token = new_token()
    checkpoint.save(update_fields=["register_token"])
    audit_record(
        user=by, action=AuditAction.UPDATE, area=checkpoint.area, obj=checkpoint, field="poster"
    )
    return checkpoint


# --- passages ---------------------------------------------------------------------------------


@dataclass
class OccupantDetails:
    """One person in a vehicle. An empty outcome follows the vehicle's, except that a fever
    sends the person to the fever clinic and a risk origin refers them for observation."""

    name: str = ""
    phone: str = ""
    id_number: str = ""
    temperature: object = None
    travel_from: str = ""
    destination: str = ""
    outcome: str = ""

    def is_blank(self) -> bool:
        return not any(
            str(v or "").strip()
            for v in (self.name, self.phone, self.id_number, self.temperature, self.destination)
        )


@dataclass
class PassageDetails:
    """What is typed at the barrier (or by the visitor on their phone)."""

    direction: str
    subject: str = Subject.PERSON
    plate: str = ""
    vehicle_type: str = ""
    people: int = 1
    name: str = ""
    phone: str = ""
    id_number: str = ""
    travel_from: str = ""
    destination: str = ""
    purpose: str = ""
    notes: str = ""
    occupants: list[OccupantDetails] = field(default_factory=list)


# A registration repeating one made this long before (same checkpoint and direction, same plate
# or ID number) is the same crossing sent twice (a phone that lost the answer, a double tap).
REPEAT_WINDOW = dt.timedelta(minutes=2)
# Long runs of digits in free text: ID and phone numbers, masked before they are stored.
_ID_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)|(?<!\d)\d{15}(?!\d)")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def mask_free_text(text: str) -> str:
    """Notes are free text: an ID or mobile number typed into them is kept masked only."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text or "")
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


# The choices, as sets built once (issue 19: ``Choices.values`` builds a list on every use).
_DIRECTIONS = frozenset(Direction.values)
_SUBJECTS = frozenset(Subject.values)
_OUTCOMES = frozenset(Outcome.values)
_VEHICLE_TYPES = frozenset(VehicleType.values)


def _label(choices: Any, value: str) -> str:
    """``get_<field>_display()`` of a choice (issue 19: the model's method builds a dict of all
    the choices on every call): its label in the active language, or the value itself."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _clean_details(details: PassageDetails, *, outcome: str, day: dt.date) -> PassageDetails:
    """Shape and meaning of the details, every error named by its field."""
    errors: dict[str, Any] = {}
    if details.direction not in _DIRECTIONS:
        errors["direction"] = _("Choose in or out.")
    if details.subject not in _SUBJECTS:
        errors["subject"] = _("Choose a person or a vehicle.")
    if outcome not in _OUTCOMES:
        errors["outcome"] = _("Choose the outcome.")
    plate, vehicle_type, people = "", "", 1
    if details.subject == Subject.VEHICLE:
        try:
            plate = validate_plate(details.plate)
        except ValidationError as error:
            errors["plate"] = error.messages
        vehicle_type = details.vehicle_type or VehicleType.CAR
        if vehicle_type not in _VEHICLE_TYPES:
            errors["vehicle_type"] = _("Choose the vehicle type.")
        try:
            people = int(details.people)
        except (TypeError, ValueError):
            people = 0
        if not 1 <= people <= MAX_PEOPLE_PER_VEHICLE:
            errors["people"] = _("Between 1 and %(n)d people in a vehicle.") % {
                "n": MAX_PEOPLE_PER_VEHICLE
            }
    phone = (details.phone or "").strip()
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    id_number = (details.id_number or "").strip()
    if id_number:
        try:
            id_number = validate_id_number(id_number, today=day)
        except ValidationError as error:
            errors["id_number"] = error.messages
    name = (details.name or "").strip()[:50]
    listed = details.subject == Subject.VEHICLE and any(not o.is_blank() for o in details.occupants)
    if outcome in {Outcome.REFERRED, Outcome.FEVER_CLINIC} and not listed:
        if not name:
            errors["name"] = _("Name the person who is referred or sent to the clinic.")
        if not phone and "phone" not in errors:
            errors["phone"] = _("A phone number is needed to follow the person up.")
    if errors:
        raise ValidationError(errors)
    return PassageDetails(
        direction=details.direction,
        subject=details.subject,
        plate=plate,
        vehicle_type=vehicle_type if details.subject == Subject.VEHICLE else "",
        people=people,
        name=name,
        phone=phone,
        id_number=id_number,
        travel_from=(details.travel_from or "").strip()[:100],
        destination=(details.destination or "").strip()[:100],
        purpose=(details.purpose or "").strip()[:100],
        notes=mask_free_text((details.notes or "").strip())[:200],
        occupants=[o for o in details.occupants if not o.is_blank()]
        if details.subject == Subject.VEHICLE
        else [],
    )


def _fever_threshold(day: dt.date) -> Decimal:
    """The fever threshold of the policy in force that day, from this process's copy (issue 19:
    read on every passage; a policy saved here empties the copy, the other processes read it
    again within ``caching.SECONDS``)."""

    def load() -> Decimal:
        policy = ObservationPolicy.objects.in_force_on(day)
        return policy.fever_threshold if policy else DEFAULT_FEVER

    return _fevers.get(day, load)


_fevers: ProcessCache[Decimal] = ProcessCache()
post_save.connect(_fevers.clear, sender=ObservationPolicy, dispatch_uid="checkpoints_fever_cache")
post_delete.connect(
    _fevers.clear, sender=ObservationPolicy, dispatch_uid="checkpoints_fever_cache_del"
)


@dataclass
class _Occupant:
    """An occupant after cleaning: values checked, outcome decided."""

    name: str
    phone: str
    id_number: str
    temperature: Decimal | None
    travel_from: str
    via_risk_area: bool
    destination: str
    outcome: str


def _risk(travel_from: str, day: dt.date, risk_areas: list[RiskArea]) -> Any:
    if not travel_from:
        return None
    return travel_assess(
        travel_from=travel_from, returned_on=None, visited_on=day, risk_areas=risk_areas
    )


def _person(occupant: OccupantDetails, day: dt.date) -> tuple[str, str, str, list[str]]:
    """One person's name, phone and ID number as typed in a vehicle's row: (name, phone, ID,
    problems), the numbers normalised when valid and left as typed when not."""
    problems: list[str] = []
    name = (occupant.name or "").strip()[:50]
    phone = (occupant.phone or "").strip()
    id_number = (occupant.id_number or "").strip()
    if not name:
        problems.append(_("name missing"))
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as error:
            problems += error.messages
    if id_number:
        try:
            id_number = validate_id_number(id_number, today=day)
        except ValidationError as error:
            problems += error.messages
    return name, phone, id_number, problems


def _clean_occupants(
    details: PassageDetails,
    *,
    outcome: str,
    day: dt.date,
    fever: Decimal,
    vehicle_risk: bool,
    risk_areas: list[RiskArea],
) -> list[_Occupant]:
    """Each occupant's values, errors named ``occupants`` with the seat number; the outcome of
    each decided: a fever → the fever clinic, a risk origin let in → referred for observation."""
    errors: list[str] = []
    cleaned: list[_Occupant] = []
    for seat, occupant in enumerate(details.occupants, start=1):
        name, phone, id_number, problems = _person(occupant, day)
        phone_given = bool(phone)
        reading = None
        if occupant.temperature not in (None, ""):
            try:
                reading = monitoring.validate_temperature(occupant.temperature)
            except ValidationError as error:
                problems += error.messages
        travel_from = (occupant.travel_from or "").strip()[:100] or details.travel_from
        assessment = _risk(travel_from, day, risk_areas)
        via_risk = bool(assessment and assessment.via_risk_area) or (
            vehicle_risk and travel_from == details.travel_from
        )
        chosen = occupant.outcome or ""
        if chosen and chosen not in Outcome.values:
            problems.append(_("choose the outcome"))
        if reading is not None and reading >= fever:
            if chosen == Outcome.ALLOWED:
                problems.append(_("%(t)s °C is a fever: not through") % {"t": reading})
            decided = chosen if chosen in {Outcome.REFERRED, Outcome.FEVER_CLINIC} else ""
            decided = decided or Outcome.FEVER_CLINIC
        elif via_risk and (chosen or outcome) == Outcome.ALLOWED:
            decided = Outcome.REFERRED
        else:
            decided = chosen or outcome
        needs_phone = via_risk or decided in {Outcome.REFERRED, Outcome.FEVER_CLINIC}
        if needs_phone and not phone_given:
            problems.append(_("phone missing"))
        if problems:
            errors.append(
                _("Person %(n)d: %(problems)s.") % {"n": seat, "problems": "; ".join(problems)}
            )
            continue
        cleaned.append(
            _Occupant(
                name=name,
                phone=phone,
                id_number=id_number,
                temperature=reading,
                travel_from=travel_from,
                via_risk_area=via_risk,
                destination=(occupant.destination or "").strip()[:100] or details.destination,
                outcome=decided,
            )
        )
    if errors:
        raise ValidationError({"occupants": errors})
    return cleaned


def risk_area_name(travel_from: str, day: dt.date) -> str:
    """The risk area someone coming from ``travel_from`` was in on that day, or ""."""
    assessment = _risk((travel_from or "").strip(), day, risk_areas_all())
    if assessment and assessment.via_risk_area and assessment.risk_area is not None:
        return assessment.risk_area.name
    return ""


class _Rows:
    """The passage path's statements, spelled once per process (issue 19: on every registration
    the ORM compiled its SELECTs and INSERTs for longer than the database ran them)."""

    def __init__(self) -> None:
        self.passage = Columns(Passage, "p")
        self.resident = resident = Columns(Resident, "r")
        self.household = household = Columns(Household, "h")
        self.place = place = Columns(Area, "a")
        self.repeat = (
            "p.county_id = %s AND p.checkpoint_id = %s AND p.direction = %s AND p.at >= %s "
            "AND p.at <= %s AND "
        )
        self.occupant_ids = (
            "EXISTS (SELECT 1 FROM checkpoints_passageoccupant o WHERE o.passage_id = p.id "
            "AND o.county_id = p.county_id AND o.id_number_index IN ({}))"
        )
        self.by_id = (
            f"SELECT {resident.sql}, {household.sql}, {place.sql} FROM {resident.table} r "  # noqa: S608 - names from the models
            f"JOIN {household.table} h ON h.id = r.household_id "
            f"JOIN {place.table} a ON a.id = h.area_id "
            "WHERE r.county_id = %s AND r.id_number_index = %s ORDER BY r.id LIMIT 1"
        )
        self.insert_passage = Insert(Passage)
        self.insert_occupants = Insert(PassageOccupant)


_rows: list[_Rows] = []


def _statements() -> _Rows:
    if not _rows:
        _rows.append(_Rows())
    return _rows[0]


def _repeat_match(
    *, checkpoint: Checkpoint, details: PassageDetails, at: dt.datetime
) -> tuple[str, list[Any]] | None:
    """Which passages (``p``) this registration would repeat: same checkpoint and direction,
    same plate or ID number, made within ``REPEAT_WINDOW`` before; the condition and its
    parameters, or None when there is nothing to match on."""
    match: list[str] = []
    params: list[Any] = [
        checkpoint.county_id,
        checkpoint.pk,
        details.direction,
        ts(at - REPEAT_WINDOW),
        ts(at + REPEAT_WINDOW),
    ]
    if details.subject == Subject.VEHICLE and details.plate:
        match.append("(p.subject = %s AND p.plate = %s)")
        params += [Subject.VEHICLE.value, details.plate]
    if details.id_number:
        match.append("p.id_number_index = %s")
        params.append(id_index(details.id_number))
    others = [id_index(o.id_number) for o in details.occupants if o.id_number]
    if others:
        match.append(_statements().occupant_ids.format(", ".join(["%s"] * len(others))))
        params += others
    if not match:
        return None
    return f"{_statements().repeat}({' OR '.join(match)})", params


def repeat_lock_key(checkpoint_id: int, direction: str, what: str, value: str) -> int:
    """A 64-bit advisory lock key for one car or person at one checkpoint and direction: the same
    in every process (a digest, not ``hash()``); two different ones sharing a key only wait."""
    digest = hashlib.blake2b(
        f"passage|{checkpoint_id}|{direction}|{what}|{value}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def repeat_locks(checkpoint_id: int, details: PassageDetails) -> tuple[str, list[Any]]:
    """The statement that lets a registration be the only one of its car or person at this
    checkpoint and direction until it commits, and reads whether the checkpoint is still active
    (its last column); with its parameters.

    A registration repeats another when they share the plate, the ID number or an occupant's
    ID number (``_repeat_match``), so on PostgreSQL it takes a transaction-level advisory lock
    for each of these (in key order: two registrations never wait for each other in a circle),
    and the INSERT that follows, a statement of its own, sees whatever a registration that held
    one of them committed. Issue 19: this replaced a row lock on the checkpoint, which made every
    registration at a checkpoint wait for the one before it, though only the same car or person
    can repeat. SQLite serialises writers (``BEGIN IMMEDIATE``): no lock is needed there, nor
    with nothing to match a repeat on."""
    table = Checkpoint._meta.db_table
    keys: set[int] = set()
    if connection.vendor == "postgresql":
        key = functools.partial(repeat_lock_key, checkpoint_id, details.direction)
        if details.subject == Subject.VEHICLE and details.plate:
            keys.add(key("plate", details.plate))
        for number in [details.id_number, *(o.id_number for o in details.occupants)]:
            if number:
                keys.add(key("id", id_index(number) or ""))
    locks = "".join("pg_advisory_xact_lock(%s), " for _ in keys)
    return (
        f"SELECT {locks}(SELECT active FROM {table} WHERE id = %s)",  # noqa: S608
        [*sorted(keys), checkpoint_id],
    )


def _repeat_of(
    *, checkpoint: Checkpoint, details: PassageDetails, at: dt.datetime
) -> Passage | None:
    """The passage this registration repeats, or None: one hand-written query."""
    found = _repeat_match(checkpoint=checkpoint, details=details, at=at)
    if found is None:
        return None
    where, params = found
    statements = _statements()
    row = fetch_one(
        f"SELECT {statements.passage.sql} FROM {statements.passage.table} p WHERE {where} "  # noqa: S608 - names from the models
        "ORDER BY p.at DESC, p.id DESC LIMIT 1",
        params,
    )
    return statements.passage.build(row) if row is not None else None


@transaction.atomic
def passage_register(
    *,
    by: User,
    checkpoint: Checkpoint,
    details: PassageDetails,
    outcome: str,
    temperature: object = None,
    at: dt.datetime | None = None,
    source: str = PassageSource.STAFF,
    household_pass: HouseholdPass | None = None,
    resident: Resident | None = None,
) -> Passage:
    """Register one crossing. A fever cannot be let through; "referred" proposes an observation
    case for a registered resident (found by the ID number) when the registering person may open
    one there; otherwise the referral waits on the referrals page for a cadre (one tap).

    A vehicle from a risk area needs each of its people with a name and a phone (let through or
    turned back); each person's fever or risk origin decides for that person. A registration
    that repeats one made seconds before returns that passage (``passage.repeated`` is True)
    and writes nothing."""
    require(by, checkpoint.area, Cap.CHECKPOINTS_WRITE)
    if not checkpoint.active:
        raise ValidationError(_("This checkpoint is out of service."))
    at = at or timezone.now()
    day = local_day(at)
    details = _clean_details(details, outcome=outcome, day=day)
    fever = _fever_threshold(day)
    reading = None
    if temperature not in (None, ""):
        reading = monitoring.validate_temperature(temperature)
        if reading >= fever and outcome == Outcome.ALLOWED:
            raise ValidationError(
                {
                    "outcome": _(
                        "%(t)s °C is a fever: send the person to the fever clinic or refer them."
                    )
                    % {"t": reading}
                }
            )
    risk_areas = risk_areas_all() if details.travel_from or details.occupants else []
    assessment = _risk(details.travel_from, day, risk_areas)
    via_risk = bool(assessment and assessment.via_risk_area)
    occupants = _clean_occupants(
        details,
        outcome=outcome,
        day=day,
        fever=fever,
        vehicle_risk=via_risk,
        risk_areas=risk_areas,
    )
    via_risk = via_risk or any(o.via_risk_area for o in occupants)
    if via_risk and details.direction == Direction.IN:
        where = assessment.risk_area.name if assessment and assessment.risk_area else ""
        if details.subject == Subject.VEHICLE and len(occupants) < details.people:
            raise ValidationError(
                {
                    "occupants": _(
                        "From a risk area (%(where)s): enter the name and phone of each of the "
                        "%(n)d people in the vehicle."
                    )
                    % {"where": where, "n": details.people}
                }
            )
        if details.subject == Subject.PERSON:
            missing = {}
            if not details.name:
                missing["name"] = _("From a risk area (%(where)s): the name is needed.") % {
                    "where": where
                }
            if not details.phone:
                missing["phone"] = _("From a risk area (%(where)s): the phone is needed.") % {
                    "where": where
                }
            if missing:
                raise ValidationError(missing)
    # The registered residents named by ID number are read before the checkpoint is locked: the
    # lock is held only for the statements that need it (issue 19).
    if resident is None and details.id_number:
        resident = _resident_by_id(checkpoint, details.id_number)
    aboard = [_resident_by_id(checkpoint, o.id_number) if o.id_number else None for o in occupants]
    first = occupants[0] if occupants else None
    passage = Passage(
        county_id=checkpoint.county_id,
        checkpoint=checkpoint,
        at=at,
        day=day,
        direction=details.direction,
        subject=details.subject,
        plate=details.plate,
        vehicle_type=details.vehicle_type,
        people=len(occupants) if occupants else details.people,
        name=details.name or (first.name if first else "") or (resident.name if resident else ""),
        phone=details.phone,
        id_number=details.id_number,
        id_number_index=id_index(details.id_number) or "",
        travel_from=details.travel_from,
        origin_name=assessment.origin.name if assessment else "",
        via_risk_area=via_risk,
        risk_area=assessment.risk_area if assessment else None,
        destination=details.destination,
        purpose=details.purpose,
        temperature=reading,
        outcome=outcome,
        source=source,
        household_pass=household_pass,
        resident=resident,
        by=by,
        notes=details.notes,
        occupants_listed=bool(occupants),
    )
    statements = _statements()
    repeat = _repeat_match(checkpoint=checkpoint, details=details, at=at)
    # A repeat sent twice at once must be seen: the registrations of the same car or person at
    # this checkpoint and direction take their turns (``repeat_locks``), and the checkpoint's
    # state is read again, in one statement. Other registrations at the checkpoint do not wait.
    found = fetch_one(*repeat_locks(checkpoint.pk, details))
    if found is None or found[-1] is None:  # deleted since it was read
        raise Checkpoint.DoesNotExist
    if not found[-1]:
        raise ValidationError(_("This checkpoint is out of service."))
    # The passage written unless it repeats one (the check and the write in one statement).
    if repeat is None:
        statements.insert_passage.one(passage)
    elif not statements.insert_passage.one_unless(
        passage,
        f"SELECT 1 FROM {Passage._meta.db_table} p WHERE {repeat[0]}",  # noqa: S608
        repeat[1],
    ):
        repeated = _repeat_of(checkpoint=checkpoint, details=details, at=at)
        assert repeated is not None  # the checkpoint is locked: it is still there
        repeated.repeated = True  # type: ignore[attr-defined]
        return repeated
    passage.repeated = False  # type: ignore[attr-defined]
    rows = [
        PassageOccupant(
            county_id=checkpoint.county_id,
            passage=passage,
            position=seat,
            name=o.name,
            phone=o.phone,
            id_number=o.id_number,
            id_number_index=id_index(o.id_number) or "",
            travel_from=o.travel_from,
            via_risk_area=o.via_risk_area,
            destination=o.destination,
            temperature=o.temperature,
            outcome=o.outcome,
            resident=registered,
        )
        for seat, (o, registered) in enumerate(zip(occupants, aboard, strict=True), start=1)
    ]
    statements.insert_occupants.rows(rows)
    for row in rows:
        if row.outcome == Outcome.REFERRED and row.resident is not None and by.can_write_register:
            _propose_case_for(occupant=row, passage=passage, by=by)
    # ``passage.occupants.all()`` answers with the rows just written (the API reads them back).
    listed = passage.occupants.all()
    listed._result_cache = rows  # type: ignore[attr-defined]
    listed._prefetch_done = True  # type: ignore[attr-defined]
    passage._prefetched_objects_cache = {"occupants": listed}  # type: ignore[attr-defined]
    if outcome == Outcome.REFERRED and resident is not None and by.can_write_register:
        _propose_case(passage=passage, by=by)
    audit_record(
        user=by,
        action=AuditAction.CREATE,
        area=checkpoint.area,
        obj=passage,
        detail=f"{_label(Direction, passage.direction)} {_label(Outcome, passage.outcome)}",
    )
    return passage


def _resident_by_id(checkpoint: Checkpoint, id_number: str) -> Resident | None:
    """The registered resident of the checkpoint's county with this ID number, with their
    household and its area: one hand-written query."""
    statements = _statements()
    row = fetch_one(statements.by_id, [checkpoint.county_id, id_index(id_number)])
    if row is None:
        return None
    resident = statements.resident.build(row)
    assert resident is not None
    household = statements.household.build(row, len(statements.resident))
    assert household is not None
    household.area = statements.place.build(  # type: ignore[assignment]
        row, len(statements.resident) + len(statements.household)
    )
    resident.household = household
    return resident


def _open_proposed(*, resident: Resident, passage: Passage, by: User, ref: str) -> Any:
    if not resident.household.area.is_within(by.area):  # type: ignore[arg-type]
        return None  # someone above in the tree proposes it from the referrals page
    try:
        return monitoring.case_open(
            by=by,
            resident=resident,
            category=Category.RETURNEE if passage.via_risk_area else Category.OTHER,
            mode=Mode.HOME,
            start_date=passage.day,
            source=Source.MANUAL,
            source_ref=ref,
            proposed=True,
        )
    except ValidationError:  # already open, or no policy in force: the passage stays
        return None


def _propose_case_for(*, occupant: PassageOccupant, passage: Passage, by: User) -> None:
    assert occupant.resident is not None
    case = _open_proposed(
        resident=occupant.resident, passage=passage, by=by, ref=f"occupant:{occupant.pk}"
    )
    if case is not None:
        occupant.case = case
        occupant.save(update_fields=["case"])


def passage_ref(passage: Passage) -> str:
    """The ``source_ref`` of the case a referral proposed."""
    return f"passage:{passage.pk}"


def _propose_case(*, passage: Passage, by: User) -> None:
    resident = passage.resident
    assert resident is not None
    case = _open_proposed(resident=resident, passage=passage, by=by, ref=passage_ref(passage))
    if case is not None:
        passage.case = case
        passage.save(update_fields=["case"])


@transaction.atomic
def referral_propose_case(*, by: User, passage: Passage) -> Passage:
    """From the referrals page: a cadre proposes the observation case a referral asked for."""
    passage = (
        Passage.objects.select_for_update(of=("self",))
        .select_related("resident__household__area", "checkpoint__area")
        .get(pk=passage.pk)
    )
    if not by.can_write_register:
        raise PermissionDenied
    if passage.outcome != Outcome.REFERRED:
        raise ValidationError(_("Only a referred person gets an observation case."))
    if passage.case_id is not None:
        raise ValidationError(_("A case is already proposed for this referral."))
    if passage.resident is None:
        raise ValidationError(
            _(
                "This person is not in the register (no matching ID number): register them first, "
                "then open a case from their page."
            )
        )
    if not passage.resident.household.area.is_within(by.area):  # type: ignore[arg-type]
        raise PermissionDenied
    _propose_case(passage=passage, by=by)
    if passage.case_id is None:
        raise ValidationError(_("This person already has an open observation case."))
    return passage


# --- passes -----------------------------------------------------------------------------------


@transaction.atomic
def pass_issue(
    *,
    by: User,
    household: Household,
    valid_from: dt.date,
    valid_until: dt.date,
    holders: list[Resident] | None = None,
    uses_allowed: int | None = None,
    every_days: int = 1,
    rule_note: str = "",
) -> HouseholdPass:
    require(by, household.area, Cap.CHECKPOINTS_MANAGE)
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The pass must end on or after its first day.")})
    if valid_until - valid_from > dt.timedelta(days=366):
        raise ValidationError({"valid_until": _("A pass is valid for a year at most.")})
    if uses_allowed is not None and uses_allowed < 1:
        raise ValidationError({"uses_allowed": _("Allow at least one time out, or no limit.")})
    if not 1 <= every_days <= 30:
        raise ValidationError({"every_days": _("Between 1 and 30 days.")})
    holders = holders or []
    if any(r.household_id != household.pk for r in holders):
        raise ValidationError({"holders": _("Only members of the household may use its pass.")})
    for _attempt in range(5):
        household_pass = HouseholdPass(
            household=household,
            number=f"{household.area.code[-3:].zfill(3)}{secrets.randbelow(10**6):06d}",
            valid_from=valid_from,
            valid_until=valid_until,
            uses_allowed=uses_allowed,
            every_days=every_days,
            rule_note=(rule_note or "").strip()[:100],
            issued_by=by,
        )
        try:
            with transaction.atomic():
                household_pass.save()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - a million numbers per village
        raise ValidationError(_("No free pass number: try again."))
    household_pass.holders.set(holders)
    audit_record(user=by, action=AuditAction.CREATE, area=household.area, obj=household_pass)
    return household_pass


@transaction.atomic
def pass_revoke(*, by: User, household_pass: HouseholdPass, reason: str) -> HouseholdPass:
    require(by, household_pass.household.area, Cap.CHECKPOINTS_MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    if household_pass.is_revoked:
        raise ValidationError(_("This pass is already revoked."))
    household_pass.revoked_at = timezone.now()
    household_pass.revoked_by = by
    household_pass.revoke_reason = reason[:200]
    household_pass.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=household_pass.household.area,
        obj=household_pass,
        detail="revoked",
    )
    return household_pass


def pass_find(*, checkpoint: Checkpoint, code: str) -> HouseholdPass | None:
    """A pass of the checkpoint's county by the token in its QR code or, at a checkpoint of its
    own village, its printed number. The token (96 random bits) cannot be guessed; the number
    (the village's code and six random digits) can be tried, so outside its village it finds
    nothing: there a pass is checked by its QR code only."""
    code = (code or "").strip()
    if "/" in code:  # the whole URL of the QR code
        code = code.rstrip("/").rsplit("/", 1)[-1]
    if not code or len(code) > 32:
        return None
    return (
        HouseholdPass.objects.filter(county_id=checkpoint.county_id, token=code).first()
        or HouseholdPass.objects.filter(
            county_id=checkpoint.county_id,
            number=code,
            household__area__path__startswith=checkpoint.area.path,
        ).first()
    )


def pass_is_home(household_pass: HouseholdPass, checkpoint: Checkpoint) -> bool:
    """The checkpoint is one of the pass's own (its area covers the household's): there a scan
    uses the pass. Anywhere else it is only verified."""
    return household_pass.household.area.is_within(checkpoint.area)


@dataclass(frozen=True)
class PassVerification:
    """What a checkpoint outside the pass's village learns: whether it is valid today, for which
    village, until when, and the head's surname only (王某). Nothing is recorded or used up."""

    valid: bool
    problem: str
    village: str
    household_head: str
    valid_until: dt.date
    rule: str
    home: bool


def pass_verify(*, by: User, checkpoint: Checkpoint, code: str) -> PassVerification:
    require(by, checkpoint.area, Cap.CHECKPOINTS_WRITE)
    household_pass = pass_find(checkpoint=checkpoint, code=code)
    if household_pass is None:
        raise ValidationError({"code": _("No pass with this number or code.")})
    household = household_pass.household
    problem = pass_problem(household_pass, day=local_day(timezone.now()), direction="in")
    area = household.area
    village = next(
        (a for a in [area, *reversed(list(area.ancestors()))] if a.level == "village"), area
    )
    return PassVerification(
        valid=problem is None,
        problem=problem or "",
        village=village.name,
        household_head=_surname(household.head_name),
        valid_until=household_pass.valid_until,
        rule=household_pass.rule_text(),
        home=pass_is_home(household_pass, checkpoint),
    )


def _foreign_pass_message(verification: PassVerification) -> str:
    verdict = (
        _("valid until %(d)s") % {"d": verification.valid_until.isoformat()}
        if verification.valid
        else verification.problem
    )
    return _(
        "This pass is of %(village)s (%(head)s): it is used only at that village's own "
        "checkpoints. Here it is verified, not counted: %(verdict)s. Register the crossing as "
        "an ordinary passage."
    ) % {"village": verification.village, "head": verification.household_head, "verdict": verdict}


def pass_problem(household_pass: HouseholdPass, *, day: dt.date, direction: str) -> str | None:
    """Why this pass does not let its holder through now, or None."""
    if household_pass.is_revoked:
        return _("This pass was revoked: %(reason)s") % {"reason": household_pass.revoke_reason}
    if day < household_pass.valid_from:
        return _("This pass is valid from %(d)s.") % {"d": household_pass.valid_from.isoformat()}
    if day > household_pass.valid_until:
        return _("This pass expired on %(d)s.") % {"d": household_pass.valid_until.isoformat()}
    if direction == Direction.OUT and household_pass.uses_allowed:
        first = day - dt.timedelta(days=household_pass.every_days - 1)
        used = Passage.objects.filter(
            county_id=household_pass.county_id,
            household_pass=household_pass,
            direction=Direction.OUT,
            outcome=Outcome.ALLOWED,
            day__gte=first,
            day__lte=day,
        ).count()
        if used >= household_pass.uses_allowed:
            return _("Already used %(n)d time(s) out in %(d)d day(s): %(rule)s.") % {
                "n": used,
                "d": household_pass.every_days,
                "rule": household_pass.rule_text(),
            }
    return None


def _surname(name: str) -> str:
    """王小明 → 王某: the desk names who is observed without the whole name."""
    return f"{name[:1]}某" if name else "—"


def pass_users(household_pass: HouseholdPass, *, day: dt.date) -> tuple[list[Resident], list[str]]:
    """Who may use the pass on that day, and (as 王某 (居家观察至 12-05)) who may not because
    they are under home or centralised observation. Two queries."""
    from fangkong.monitoring.models import ObservationCase, Status

    holders = list(household_pass.holders.all().defer("id_number", "phone"))
    members = holders or list(
        Resident.objects.filter(
            county_id=household_pass.county_id, household_id=household_pass.household_id
        )
        .defer("id_number", "phone")
        .order_by("pk")
    )
    observed = {
        case.resident_id: case
        for case in ObservationCase.objects.filter(
            county_id=household_pass.county_id,
            resident__household_id=household_pass.household_id,
            status=Status.ACTIVE,
            start_date__lte=day,
        ).select_related("resident")
    }
    barred = [
        _("%(name)s (%(mode)s until %(end)s)")
        % {
            "name": _surname(case.resident.name),
            "mode": case.get_mode_display(),
            "end": case.planned_end.strftime("%m-%d"),
        }
        for case in observed.values()
    ]
    return [r for r in members if r.pk not in observed], barred


@transaction.atomic
def pass_scan(
    *,
    by: User,
    checkpoint: Checkpoint,
    code: str,
    direction: str,
    holder: Resident | None = None,
    temperature: object = None,
    at: dt.datetime | None = None,
) -> Passage:
    """One scan: the pass is checked (validity, revocation, the usage rule) and its use recorded
    as an allowed passage. A pass that does not let the person through raises with the reason."""
    require(by, checkpoint.area, Cap.CHECKPOINTS_WRITE)
    household_pass = pass_find(checkpoint=checkpoint, code=code)
    if household_pass is None:
        raise ValidationError({"code": _("No pass with this number or code.")})
    if not pass_is_home(household_pass, checkpoint):
        # Another village's pass: its allowance is that village's to count, and its household's
        # names are not this checkpoint's to read. Checked, nothing written.
        verification = pass_verify(by=by, checkpoint=checkpoint, code=household_pass.token)
        raise ValidationError(
            {"code": ValidationError(_foreign_pass_message(verification), code="foreign")}
        )
    # Serialise the uses of one pass (two checkpoints scanning at once must not both pass).
    household_pass = (
        HouseholdPass.objects.select_for_update()
        .select_related("household")
        .get(pk=household_pass.pk)
    )
    at = at or timezone.now()
    if direction not in Direction.values:
        raise ValidationError({"direction": _("Choose in or out.")})
    problem = pass_problem(household_pass, day=local_day(at), direction=direction)
    if problem:
        raise ValidationError({"code": problem})
    eligible, barred = pass_users(household_pass, day=local_day(at))
    if barred:
        # Someone of the household is under observation: the pass never lets them out, and staff
        # must say which of the others is at the barrier.
        names = "、".join(r.name for r in eligible) or _("nobody")
        if holder is None or holder not in eligible:
            message = _(
                "Under observation: %(barred)s — may not use this pass. "
                "Who may use it: %(names)s. Choose the person at the barrier."
            ) % {"barred": "、".join(barred), "names": names}
            raise ValidationError({"holder": ValidationError(message, code="observed")})
    elif holder is not None and holder not in eligible:
        raise ValidationError({"holder": _("This person may not use this pass.")})
    if holder is None and len(eligible) == 1 and household_pass.holders.exists():
        holder = eligible[0]
    return passage_register(
        by=by,
        checkpoint=checkpoint,
        details=PassageDetails(
            direction=direction,
            name=holder.name if holder else household_pass.household.head_name,
            purpose=household_pass.rule_note,
        ),
        outcome=Outcome.ALLOWED,
        temperature=temperature,
        at=at,
        source=PassageSource.PASS,
        household_pass=household_pass,
        resident=holder,
    )


# --- self-registration ------------------------------------------------------------------------


def checkpoint_for_token(token: str) -> Checkpoint | None:
    if not token or len(token) > 32:
        return None
    return (
        Checkpoint.objects.select_related("area").filter(register_token=token, active=True).first()
    )


# The other people a visitor may list on their own phone (seats 2 to 5: a car); more are added
# by the staff at the desk.
SELF_REGISTRATION_OTHERS = 4


def _clean_others(others: Sequence[OccupantDetails], day: dt.date) -> tuple[list[dict], list[str]]:
    """The other people of a self-registration: a name for each row typed, the numbers checked.
    Returns (rows as stored, errors as "Person n: ..." with the seat number, the driver being 1)."""
    rows: list[dict] = []
    errors: list[str] = []
    for seat, other in enumerate(others, start=2):
        if other.is_blank():
            continue
        name, phone, id_number, problems = _person(other, day)
        if problems:
            errors.append(
                _("Person %(n)d: %(problems)s.") % {"n": seat, "problems": "; ".join(problems)}
            )
        else:
            rows.append({"name": name, "phone": phone, "id_number": id_number})
    return rows, errors


@transaction.atomic
def pre_registration_submit(
    *,
    checkpoint: Checkpoint,
    details: PassageDetails,
    others: Sequence[OccupantDetails] = (),
) -> PreRegistration:
    """A visitor's own entry from the poster: name, phone and where from are required. In a
    vehicle the visitor may list the other people (``others``, seats 2 on, at most
    ``SELF_REGISTRATION_OTHERS``: name, and phone and ID if they have them); the number of people
    is then at least the driver and those listed. Errors are named by field (``occupants`` for
    the other people, each with its seat); nothing is stored unless all is right."""
    errors: dict[str, Any] = {}
    if not (details.name or "").strip():
        errors["name"] = _("Enter your name.")
    if not (details.phone or "").strip():
        errors["phone"] = _("Enter your phone number.")
    if not (details.travel_from or "").strip():
        errors["travel_from"] = _("Say where you come from.")
    try:
        clean = _clean_details(details, outcome=Outcome.ALLOWED, day=local_day(timezone.now()))
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, messages)
        clean = details
    listed: list[dict] = []
    if details.subject == Subject.VEHICLE and others:
        listed, problems = _clean_others(
            list(others)[:SELF_REGISTRATION_OTHERS], local_day(timezone.now())
        )
        if problems:
            errors["occupants"] = problems
    if errors:
        raise ValidationError(errors)
    people = max(clean.people, 1 + len(listed)) if listed else clean.people
    return PreRegistration.objects.create(
        county_id=checkpoint.county_id,
        checkpoint=checkpoint,
        code=f"{secrets.randbelow(10**4):04d}",
        direction=clean.direction,
        subject=clean.subject,
        plate=clean.plate,
        people=people,
        name=clean.name,
        phone=clean.phone,
        id_number=clean.id_number,
        travel_from=clean.travel_from,
        destination=clean.destination,
        purpose=clean.purpose,
        others=json.dumps(listed, ensure_ascii=False) if listed else "",
    )


@transaction.atomic
def pre_registration_confirm(
    *,
    by: User,
    pre: PreRegistration,
    temperature: object,
    outcome: str = Outcome.ALLOWED,
) -> Passage:
    """Staff took the temperature: one tap makes the passage."""
    pre = (
        PreRegistration.objects.select_for_update()
        .select_related("checkpoint__area")
        .get(pk=pre.pk)
    )
    if pre.passage_id is not None or pre.dismissed:
        raise ValidationError(_("This registration was already handled."))
    if temperature in (None, ""):
        raise ValidationError({"temperature": _("Take the temperature first.")})
    passage = passage_register(
        by=by,
        checkpoint=pre.checkpoint,
        details=PassageDetails(
            direction=pre.direction,
            subject=pre.subject,
            plate=pre.plate,
            vehicle_type=VehicleType.CAR if pre.subject == Subject.VEHICLE else "",
            people=pre.people,
            name=pre.name,
            phone=pre.phone,
            id_number=pre.id_number,
            travel_from=pre.travel_from,
            destination=pre.destination,
            purpose=pre.purpose,
        ),
        outcome=outcome,
        temperature=temperature,
        source=PassageSource.SELF,
    )
    pre.passage = passage
    pre.save(update_fields=["passage"])
    return passage


@transaction.atomic
def pre_registration_dismiss(*, by: User, pre: PreRegistration) -> PreRegistration:
    require(by, pre.checkpoint.area, Cap.CHECKPOINTS_WRITE)
    pre.dismissed = True
    pre.save(update_fields=["dismissed"])
    return pre


# --- a self-registration finished at the desk (issue 15) ---------------------------------------


def pre_registration_needs_desk(pre: PreRegistration, day: dt.date) -> bool:
    """A vehicle with more than one person, or from a risk area, needs each person's name and
    phone: staff finish it in the desk form (prefilled) rather than with the one-tap confirm."""
    return pre.subject == Subject.VEHICLE and (
        pre.people > 1 or bool(risk_area_name(pre.travel_from, day))
    )


def pre_registration_fill(pre: PreRegistration, details: PassageDetails) -> PassageDetails:
    """The numbers the visitor typed on their phone, where the desk left them blank: the driver's
    phone and ID, and those of each person in a seat that carries the name of the driver or of
    one of the other people the visitor listed. The numbers stay on the server (the desk form
    shows them masked)."""
    if not details.phone and details.name == pre.name:
        details.phone = pre.phone
    if not details.id_number and details.name == pre.name:
        details.id_number = pre.id_number
    listed = [{"name": pre.name, "phone": pre.phone, "id_number": pre.id_number}]
    listed += pre.other_people
    for occupant in details.occupants:
        name = (occupant.name or "").strip()
        typed = next((row for row in listed if row["name"] == name), None)
        if typed is not None:
            occupant.phone = occupant.phone or typed["phone"]
            occupant.id_number = occupant.id_number or typed["id_number"]
    return details


@transaction.atomic
def pre_registration_link(*, by: User, pre: PreRegistration, passage: Passage) -> None:
    """The passage registered at the desk for this self-registration: it is handled."""
    require(by, pre.checkpoint.area, Cap.CHECKPOINTS_WRITE)
    PreRegistration.objects.filter(
        pk=pre.pk, passage__isnull=True, dismissed=False, checkpoint_id=passage.checkpoint_id
    ).update(passage=passage)
