"""Writes to checkpoints: passages, pass scans, passes, self-registrations, checkpoints.

The page, the API and the demo all come here. Registering a passage is a constant number of
queries whatever the size of the county (see ``tests/test_speed.py``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import REGISTER_WRITERS, Role
from fangkong.areas.models import Area
from fangkong.checkpoints.models import (
    Checkpoint,
    CheckpointKind,
    Direction,
    HouseholdPass,
    Outcome,
    Passage,
    PassageSource,
    PreRegistration,
    Subject,
    VehicleType,
    new_token,
)
from fangkong.checkpoints.plates import validate_plate
from fangkong.core.audit import audit_record
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.core.validators import validate_id_number, validate_phone
from fangkong.monitoring import services as monitoring
from fangkong.monitoring.models import Category, Mode, ObservationPolicy, Source
from fangkong.registry.models import Household, Resident, id_index
from fangkong.screening.models import RiskArea
from fangkong.screening.risk import travel_assess

if TYPE_CHECKING:
    from fangkong.accounts.models import User

# Who registers passages: checkpoint staff and everyone who may write the register.
PASSAGE_WRITERS = {*REGISTER_WRITERS, Role.CHECKPOINT_STAFF}
# Who sets up checkpoints and issues or revokes passes.
CHECKPOINT_MANAGERS = {Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE}
DEFAULT_FEVER = Decimal("37.3")
MAX_PEOPLE_PER_VEHICLE = 60


def can_register_passages(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.area_id is not None
        and user.role in PASSAGE_WRITERS
    )


def can_manage_checkpoints(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.area_id is not None
        and user.role in CHECKPOINT_MANAGERS
    )


def _check(*, by: User, area: Area, allowed: AbstractSet[str]) -> None:
    if by.role not in allowed or by.area is None or not area.is_within(by.area):
        raise PermissionDenied


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
    _check(by=by, area=area, allowed=CHECKPOINT_MANAGERS)
    if checkpoint is not None:
        _check(by=by, area=checkpoint.area, allowed=CHECKPOINT_MANAGERS)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the checkpoint.")})
    if kind not in CheckpointKind.values:
        raise ValidationError({"kind": _("Choose the kind of checkpoint.")})
    if (opens_at is None) != (closes_at is None):
        raise ValidationError(
            {"closes_at": _("Give both the opening and the closing time, or neither.")}
        )
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
    audit_record(user=by, action=AuditAction.UPDATE, area=area, obj=checkpoint)
    return checkpoint


@transaction.atomic
def checkpoint_new_poster(*, by: User, checkpoint: Checkpoint) -> Checkpoint:
    """A new self-registration link: the old poster stops working."""
    _check(by=by, area=checkpoint.area, allowed=CHECKPOINT_MANAGERS)
    checkpoint.register_token = new_token()
    checkpoint.save(update_fields=["register_token"])
    audit_record(
        user=by, action=AuditAction.UPDATE, area=checkpoint.area, obj=checkpoint, field="poster"
    )
    return checkpoint


# --- passages ---------------------------------------------------------------------------------


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


def _clean_details(details: PassageDetails, *, outcome: str, day: dt.date) -> PassageDetails:
    """Shape and meaning of the details, every error named by its field."""
    errors: dict[str, Any] = {}
    if details.direction not in Direction.values:
        errors["direction"] = _("Choose in or out.")
    if details.subject not in Subject.values:
        errors["subject"] = _("Choose a person or a vehicle.")
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose the outcome.")
    plate, vehicle_type, people = "", "", 1
    if details.subject == Subject.VEHICLE:
        try:
            plate = validate_plate(details.plate)
        except ValidationError as error:
            errors["plate"] = error.messages
        vehicle_type = details.vehicle_type or VehicleType.CAR
        if vehicle_type not in VehicleType.values:
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
    if outcome in {Outcome.REFERRED, Outcome.FEVER_CLINIC}:
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
        notes=(details.notes or "").strip()[:200],
    )


def _fever_threshold(day: dt.date) -> Decimal:
    policy = ObservationPolicy.objects.in_force_on(day)
    return policy.fever_threshold if policy else DEFAULT_FEVER


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
    one there; otherwise the referral waits on the referrals page for a cadre (one tap)."""
    _check(by=by, area=checkpoint.area, allowed=PASSAGE_WRITERS)
    if not checkpoint.active:
        raise ValidationError(_("This checkpoint is out of service."))
    at = at or timezone.now()
    day = local_day(at)
    details = _clean_details(details, outcome=outcome, day=day)
    reading = None
    if temperature not in (None, ""):
        reading = monitoring.validate_temperature(temperature)
        if reading >= _fever_threshold(day) and outcome == Outcome.ALLOWED:
            raise ValidationError(
                {
                    "outcome": _(
                        "%(t)s °C is a fever: send the person to the fever clinic or refer them."
                    )
                    % {"t": reading}
                }
            )
    assessment = None
    if details.travel_from:
        assessment = travel_assess(
            travel_from=details.travel_from,
            returned_on=None,
            visited_on=day,
            risk_areas=list(RiskArea.objects.all()),
        )
    if resident is None and details.id_number:
        resident = (
            Resident.objects.filter(
                county_id=checkpoint.county_id, id_number_index=id_index(details.id_number)
            )
            .select_related("household__area")
            .first()
        )
    passage = Passage(
        county_id=checkpoint.county_id,
        checkpoint=checkpoint,
        at=at,
        day=day,
        direction=details.direction,
        subject=details.subject,
        plate=details.plate,
        vehicle_type=details.vehicle_type,
        people=details.people,
        name=details.name or (resident.name if resident else ""),
        phone=details.phone,
        id_number=details.id_number,
        id_number_index=id_index(details.id_number) or "",
        travel_from=details.travel_from,
        origin_name=assessment.origin.name if assessment else "",
        via_risk_area=bool(assessment and assessment.via_risk_area),
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
    )
    passage.save()
    if outcome == Outcome.REFERRED and resident is not None and by.can_write_register:
        _propose_case(passage=passage, by=by)
    audit_record(
        user=by,
        action=AuditAction.CREATE,
        area=checkpoint.area,
        obj=passage,
        detail=f"{passage.get_direction_display()} {passage.get_outcome_display()}",
    )
    return passage


def passage_ref(passage: Passage) -> str:
    """The ``source_ref`` of the case a referral proposed."""
    return f"passage:{passage.pk}"


def _propose_case(*, passage: Passage, by: User) -> None:
    resident = passage.resident
    assert resident is not None
    if not resident.household.area.is_within(by.area):  # type: ignore[arg-type]
        return  # someone above in the tree proposes it from the referrals page
    try:
        case = monitoring.case_open(
            by=by,
            resident=resident,
            category=Category.RETURNEE if passage.via_risk_area else Category.OTHER,
            mode=Mode.HOME,
            start_date=passage.day,
            source=Source.MANUAL,
            source_ref=passage_ref(passage),
            proposed=True,
        )
    except ValidationError:  # already open, or no policy in force: the passage stays
        return
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
    _check(by=by, area=household.area, allowed=CHECKPOINT_MANAGERS)
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
    _check(by=by, area=household_pass.household.area, allowed=CHECKPOINT_MANAGERS)
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
    """A pass of the checkpoint's county by the token in its QR code or its printed number."""
    code = (code or "").strip()
    if "/" in code:  # the whole URL of the QR code
        code = code.rstrip("/").rsplit("/", 1)[-1]
    if not code or len(code) > 32:
        return None
    return (
        HouseholdPass.objects.filter(county_id=checkpoint.county_id, token=code).first()
        or HouseholdPass.objects.filter(county_id=checkpoint.county_id, number=code).first()
    )


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
    _check(by=by, area=checkpoint.area, allowed=PASSAGE_WRITERS)
    household_pass = pass_find(checkpoint=checkpoint, code=code)
    if household_pass is None:
        raise ValidationError({"code": _("No pass with this number or code.")})
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
    holders = list(household_pass.holders.all())
    if holder is not None and holders and holder not in holders:
        raise ValidationError({"holder": _("This person may not use this pass.")})
    if holder is None and len(holders) == 1:
        holder = holders[0]
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


@transaction.atomic
def pre_registration_submit(*, checkpoint: Checkpoint, details: PassageDetails) -> PreRegistration:
    """A visitor's own entry from the poster: name, phone and where from are required."""
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
    if errors:
        raise ValidationError(errors)
    return PreRegistration.objects.create(
        county_id=checkpoint.county_id,
        checkpoint=checkpoint,
        code=f"{secrets.randbelow(10**4):04d}",
        direction=clean.direction,
        subject=clean.subject,
        plate=clean.plate,
        people=clean.people,
        name=clean.name,
        phone=clean.phone,
        id_number=clean.id_number,
        travel_from=clean.travel_from,
        destination=clean.destination,
        purpose=clean.purpose,
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
    _check(by=by, area=pre.checkpoint.area, allowed=PASSAGE_WRITERS)
    pre.dismissed = True
    pre.save(update_fields=["dismissed"])
    return pre
