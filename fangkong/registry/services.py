"""Writes to the register. Web forms, the API and commands all come through here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record
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
from fangkong.registry.signals import household_county_changed

if TYPE_CHECKING:
    from fangkong.accounts.models import User

HOUSEHOLD_AREA_LEVELS = {Level.VILLAGE, Level.GROUP, Level.GRID}


def _check_area(*, by: User, area: Area) -> None:
    if not by.can_write_register:
        raise PermissionDenied
    if by.area is None or not area.is_within(by.area):
        raise PermissionDenied
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
    moved = current.pk != area.pk
    old_county_id = current.county_id
    household.area = area
    for key, value in fields.items():
        if key in HOUSEHOLD_FIELDS:
            setattr(household, key, value)
    household.save()
    if moved:
        # Residents carry the county of their household.
        household.residents.update(county_id=area.county_id)
        if area.county_id != old_county_id:
            household_county_changed.send(
                sender=Household,
                household=household,
                old_county_id=old_county_id,
                new_county_id=area.county_id,
            )
    audit_record(user=by, action=AuditAction.UPDATE, area=area, obj=household)
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


def _save_resident(*, by: User, resident: Resident, action: AuditAction) -> Resident:
    if not by.can_write_register or by.area is None:
        raise PermissionDenied
    if not resident.household.area.is_within(by.area):
        raise PermissionDenied
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
    audit_record(user=by, action=action, area=resident.household.area, obj=resident)
    return resident


@transaction.atomic
def resident_create(*, by: User, household: Household, **fields: Any) -> Resident:
    resident = Resident(
        household=household, **{k: v for k, v in fields.items() if k in RESIDENT_FIELDS}
    )
    return _save_resident(by=by, resident=resident, action=AuditAction.CREATE)


@transaction.atomic
def resident_update(*, by: User, resident: Resident, **fields: Any) -> Resident:
    for key, value in fields.items():
        if key in RESIDENT_FIELDS:
            setattr(resident, key, value)
    return _save_resident(by=by, resident=resident, action=AuditAction.UPDATE)


REVEALABLE = {
    ("resident", "id_number"),
    ("resident", "phone"),
    ("household", "phone"),
}


@transaction.atomic
def value_reveal(*, by: User, obj: Household | Resident, field: str, ip: str | None) -> str:
    """The full value of one personal field; the reveal is written to the audit log first."""
    kind = type(obj).__name__.lower()
    if (kind, field) not in REVEALABLE or not by.can_reveal or by.area is None:
        raise PermissionDenied
    area = obj.area if isinstance(obj, Household) else obj.household.area
    if not area.is_within(by.area):
        raise PermissionDenied
    audit_record(user=by, action=AuditAction.REVEAL, area=area, obj=obj, field=field, ip=ip)
    return str(getattr(obj, field))
