"""Writes to the register. Web forms, the API and commands all come through here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record, changes, snapshot
from fangkong.core.models import AuditAction
from fangkong.core.validators import id_birth_date, id_sex
from fangkong.registry.models import (
    GB11643_ID_TYPES,
    HOUSEHOLD_FIELDS,
    RESIDENT_FIELDS,
    Household,
    Resident,
    id_index,
)
from fangkong.registry.signals import household_county_changed, places_changed

if TYPE_CHECKING:
    from fangkong.accounts.models import User

HOUSEHOLD_AREA_LEVELS = {Level.VILLAGE, Level.GROUP, Level.GRID}
# What an audit row of an edit names without its values (ID and phone numbers appear masked).
HOUSEHOLD_PERSONAL = {"head_name", "address", "notes"}
RESIDENT_PERSONAL = set(RESIDENT_FIELDS) - {"relationship", "id_type", "residence_status"}


def _check_area(*, by: User, area: Area) -> None:
    require(by, area, Cap.REGISTER_WRITE)
    if area.level not in HOUSEHOLD_AREA_LEVELS:
        message = _("Households belong to a village, a group or a grid, not a %(level)s.") % {
            "level": Level(area.level).label
        }
        raise ValidationError({"area": message})


@transaction.atomic
def household_create(*, by: User, area: Area, **fields: Any) -> Household:
    _check_area(by=by, area=area)
    household = Household(area=area, **{k: v for k, v in fields.items() if k in HOUSEHOLD_FIELDS})
    household.save()
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=household)
    return household


@transaction.atomic
def household_update(*, by: User, household: Household, area: Area, **fields: Any) -> Household:
    # The area stored now, not the instance's: a ModelForm may already have changed it.
    current = Area.objects.get(pk=Household.objects.filter(pk=household.pk).values("area_id")[:1])
    _check_area(by=by, area=current)
    _check_area(by=by, area=area)
    before = snapshot(Household.objects.get(pk=household.pk), ("area", *HOUSEHOLD_FIELDS))
    for key, value in fields.items():
        if key in HOUSEHOLD_FIELDS:
            setattr(household, key, value)
    _move(household, area=area, old_area=current)
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=area,
        obj=household,
        detail=changes(before, household, personal=HOUSEHOLD_PERSONAL),
    )
    return household


def _move(household: Household, *, area: Area, old_area: Area) -> None:
    """Save the household in ``area``; its residents carry its county (the tenant key), and the
    other apps move their rows on ``household_county_changed`` and give them the household's new
    area on ``places_changed``, in this transaction."""
    household.area = area
    household.save()
    if area.county_id != old_area.county_id:
        household.residents.update(county_id=area.county_id)
        household_county_changed.send(
            sender=Household,
            household=household,
            old_county_id=old_area.county_id,
            new_county_id=area.county_id,
        )
    if area.pk != old_area.pk:
        places_changed.send(sender=Household, households=[household.pk], residents=[])


def household_for_move(id_number: str, *, into: Area) -> Household | None:
    """The household of the person with this ID number in another county than ``into``'s: what an
    administrator who takes a household in asks for (nothing of it is shown before the move)."""
    index = id_index(id_number)
    if index is None:
        return None
    resident = (
        Resident.objects.filter(id_number_index=index)
        .exclude(county_id=into.county_id)
        .select_related("household")
        .first()
    )
    return resident.household if resident is not None else None


@transaction.atomic
def household_move_county(
    *, by: User, household: Household, area: Area, reason: str, ip: str | None = None
) -> Household:
    """Take a household in from another county (a family moved): an administrator of the
    destination county (or above) moves it into ``area`` with its residents, and every app moves
    the rows that follow the household (cases, passes, errands, care ...) on
    ``household_county_changed``. Audited in both counties."""
    require(by, area, Cap.REGISTER_MANAGE)
    household = Household.objects.select_for_update().select_related("area").get(pk=household.pk)
    old_area = household.area
    if area.level not in HOUSEHOLD_AREA_LEVELS:
        raise ValidationError(
            {
                "area": _("Households belong to a village, a group or a grid, not a %(level)s.")
                % {"level": Level(area.level).label}
            }
        )
    if area.county_id == old_area.county_id:
        raise ValidationError(
            {"area": _("The household is already in this county: change its area on its page.")}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    indexes = [
        i for i in household.residents.values_list("id_number_index", flat=True) if i is not None
    ]
    clash = Resident.objects.filter(county_id=area.county_id, id_number_index__in=indexes)
    if clash.exists():
        raise ValidationError(
            _(
                "%(n)d member(s) of this household are already registered in this county "
                "(same ID number): correct the register first."
            )
            % {"n": clash.count()}
        )
    _move(household, area=area, old_area=old_area)
    for where in (old_area, area):
        audit_record(
            user=by,
            action=AuditAction.UPDATE,
            area=where,
            obj=household,
            field="county",
            ip=ip,
            detail=f"{old_area.code} -> {area.code}: {reason}",
        )
    return household


def _derive_from_id(resident: Resident) -> None:
    if resident.id_type in GB11643_ID_TYPES and resident.id_number:
        resident.birth_date = id_birth_date(resident.id_number)
        resident.sex = id_sex(resident.id_number)


def _duplicate_elsewhere() -> str:
    return _(
        "This ID number is already registered in another area of the county; "
        "ask the county office to move the person."
    )


def _check_duplicate_id(*, by: User, resident: Resident) -> None:
    """One ID number per county; the message says where the other person is if the user may see."""
    if not resident.id_number:
        return
    other = (
        Resident.objects.filter(
            county_id=resident.household.county_id, id_number_index=id_index(resident.id_number)
        )
        .exclude(pk=resident.pk)
        .select_related("household__area")
        .first()
    )
    if other is None:
        return
    if by.area is not None and other.household.area.is_within(by.area):
        message = _(
            "This ID number is already registered to %(name)s of the household of %(head)s, "
            "%(address)s (%(area)s)."
        ) % {
            "name": other.name,
            "head": other.household.head_name,
            "address": other.household.address,
            "area": other.household.area.name,
        }
    else:
        message = _duplicate_elsewhere()
    raise ValidationError({"id_number": ValidationError(message, code="id_duplicate")})


def _save_resident(
    *, by: User, resident: Resident, action: AuditAction, before: dict[str, object] | None = None
) -> Resident:
    require(by, resident.household.area, Cap.REGISTER_WRITE)
    _derive_from_id(resident)
    _check_duplicate_id(by=by, resident=resident)
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError as error:
        # Someone saved the same ID number a moment ago, between the check and the save.
        raise ValidationError(
            {"id_number": ValidationError(_duplicate_elsewhere(), code="id_duplicate")}
        ) from error
    detail = changes(before, resident, personal=RESIDENT_PERSONAL) if before else ""
    audit_record(user=by, action=action, area=resident.household.area, obj=resident, detail=detail)
    return resident


@transaction.atomic
def resident_create(*, by: User, household: Household, **fields: Any) -> Resident:
    resident = Resident(
        household=household, **{k: v for k, v in fields.items() if k in RESIDENT_FIELDS}
    )
    return _save_resident(by=by, resident=resident, action=AuditAction.CREATE)


@transaction.atomic
def resident_update(*, by: User, resident: Resident, **fields: Any) -> Resident:
    # The values stored now, not the instance's: a ModelForm may already have changed it.
    before = snapshot(Resident.objects.get(pk=resident.pk), RESIDENT_FIELDS)
    for key, value in fields.items():
        if key in RESIDENT_FIELDS:
            setattr(resident, key, value)
    return _save_resident(by=by, resident=resident, action=AuditAction.UPDATE, before=before)


REVEALABLE = {
    ("resident", "id_number"),
    ("resident", "phone"),
    ("household", "phone"),
}


@transaction.atomic
def value_reveal(*, by: User, obj: Household | Resident, field: str, ip: str | None) -> str:
    """The full value of one personal field; the reveal is written to the audit log first."""
    kind = type(obj).__name__.lower()
    if (kind, field) not in REVEALABLE:
        raise PermissionDenied
    area = obj.area if isinstance(obj, Household) else obj.household.area
    require(by, area, Cap.REGISTER_REVEAL)
    audit_record(user=by, action=AuditAction.REVEAL, area=area, obj=obj, field=field, ip=ip)
    return str(getattr(obj, field))
