"""Writes to the area tree (county administrators, Django admin, ``load_demo`` and imports).

Every change is checked against the administrator's subtree and audited in the same
transaction. A code correction moves the codes of the administrative descendants and the
materialised paths of the whole subtree in one UPDATE statement.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.deletion import ProtectedError
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import ADMINISTRATIVE_LEVELS, CHILD_LEVELS, PREFIX_LENGTH, Area, Level
from fangkong.core.audit import audit_record
from fangkong.core.models import AuditAction

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def _check_admin(by: User | None, area: Area) -> None:
    """A county administrator may change areas strictly below their own area."""
    if by is None:
        return
    if (
        not by.is_county_admin
        or by.area is None
        or not area.is_within(by.area)
        or area.pk == by.area_id
    ):
        raise PermissionDenied


@transaction.atomic
def area_create(
    *,
    by: User | None,
    parent: Area | None,
    name: str,
    level: str,
    code: str,
    established_on: dt.date | None = None,
) -> Area:
    """Create an area after the model's rules (code shape, allowed level under the parent).
    Created by a person, it is expected to report from today (not before)."""
    if by is not None and (
        not by.is_county_admin or parent is None or by.area is None or not parent.is_within(by.area)
    ):
        raise PermissionDenied
    if parent is not None and parent.retired_on is not None:
        raise ValidationError({"parent": _("Nothing can be added under a retired area.")})
    if established_on is None and by is not None:
        established_on = timezone.localdate()
    area = Area(
        parent=parent, name=name.strip(), level=level, code=code, established_on=established_on
    )
    area.full_clean()
    area.save()
    if by is not None:
        audit_record(user=by, action=AuditAction.CREATE, area=area, obj=area)
    return area


@transaction.atomic
def area_rename(*, by: User, area: Area, name: str) -> Area:
    if not by.is_county_admin or by.area is None or not area.is_within(by.area):
        raise PermissionDenied
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Enter the name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is longer than 100 characters.")})
    old = area.name
    area.name = name
    area.save(update_fields=["name"])
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=area,
        obj=area,
        field="name",
        detail=f"{old}→{name}",
    )
    return area


@transaction.atomic
def area_change_code(*, by: User | None, area: Area, code: str) -> Area:
    """Correct a mistyped code. The area's path, its descendants' paths and (for a county or a
    township) the division codes of the townships and villages below follow in one UPDATE."""
    _check_admin(by, area)
    code = "".join(code.split())
    candidate = Area(parent=area.parent, name=area.name, level=area.level, code=code)
    candidate.pk = area.pk
    try:
        candidate.clean_fields(exclude=["path", "county", "parent", "name"])
        candidate.clean()
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from error
    code = candidate.code
    if code == area.code:
        return area
    old_path = area.path
    new_path = (area.parent.path if area.parent else "") + f"{code}/"
    clash = Area.objects.filter(path__startswith=new_path)
    if area.level in ADMINISTRATIVE_LEVELS:
        n = PREFIX_LENGTH.get(area.level, 0)
        clash = clash | Area.objects.filter(
            level__in=ADMINISTRATIVE_LEVELS, code__startswith=code[:n]
        ).exclude(path__startswith=old_path)
        if area.level == Level.VILLAGE:
            clash = clash | Area.objects.filter(level__in=ADMINISTRATIVE_LEVELS, code=code)
    elif Area.objects.filter(parent=area.parent, code=code).exists():
        raise ValidationError({"code": _("Another area here already has this code.")})
    if clash.exclude(pk=area.pk).exists():
        raise ValidationError({"code": _("This code is already used by another area.")})
    Area.objects.recode_subtree(
        old_path=old_path, new_path=new_path, old_code=area.code, new_code=code, level=area.level
    )
    old_code = area.code
    area.refresh_from_db()
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=area,
        obj=area,
        field="code",
        detail=f"{old_code}→{area.code}",
        codes_only=True,
    )
    return area


@transaction.atomic
def area_move(*, by: User | None, area: Area, parent: Area) -> Area:
    """Move a grid (or a group/building) to another village or group of the same county. Its
    households go with it (they point at the area); its path follows in one UPDATE."""
    _check_admin(by, area)
    if by is not None and not parent.is_within(by.area):  # type: ignore[arg-type]
        raise PermissionDenied
    if area.level not in {Level.GRID, Level.GROUP}:
        raise ValidationError({"parent": _("Only a grid or a group/building can be moved.")})
    if area.level not in CHILD_LEVELS[parent.level]:
        raise ValidationError(
            {
                "parent": _("A %(child)s cannot be placed under a %(parent)s.")
                % {"child": Level(area.level).label, "parent": Level(parent.level).label}
            }
        )
    if parent.county_id != area.county_id:
        raise ValidationError({"parent": _("An area moves within its county only.")})
    if parent.retired_on is not None:
        raise ValidationError({"parent": _("Nothing can be added under a retired area.")})
    if parent.pk == area.parent_id:
        return area
    if Area.objects.filter(parent=parent, code=area.code).exists():
        raise ValidationError(
            {
                "parent": _("The new place already has an area with the code %(code)s.")
                % {"code": area.code}
            }
        )
    old_path = area.path
    old_parent = area.parent
    new_path = f"{parent.path}{area.code}/"
    depth_change = parent.depth + 1 - area.depth
    Area.objects.filter(path__startswith=old_path).update(
        path=Concat(
            Value(new_path), Substr("path", len(old_path) + 1), output_field=models.CharField()
        ),
        depth=F("depth") + depth_change,
    )
    Area.objects.filter(pk=area.pk).update(parent=parent)
    area.refresh_from_db()
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=area,
        obj=area,
        field="parent",
        detail=f"{old_parent.name if old_parent else ''}→{parent.name}",
    )
    return area


def _households_in(area: Area) -> int:
    from fangkong.registry.models import Household

    return Household.objects.filter(area__path__startswith=area.path).count()


@transaction.atomic
def area_retire(*, by: User | None, area: Area, day: dt.date) -> Area:
    """From ``day`` on the area and its subtree are no longer expected to report; they stay in
    history (reports, visits, the audit log). Its households must have moved first."""
    _check_admin(by, area)
    if area.parent is None:
        raise ValidationError({"retired_on": _("A county is not retired here.")})
    if n := _households_in(area):
        raise ValidationError(
            {
                "retired_on": _(
                    "%(n)d households are still registered here: move them to another area first."
                )
                % {"n": n}
            }
        )
    if area.established_on and day < area.established_on:
        raise ValidationError(
            {"retired_on": _("An area cannot be retired before it was established.")}
        )
    Area.objects.filter(path__startswith=area.path).filter(
        models.Q(retired_on__isnull=True) | models.Q(retired_on__gt=day)
    ).update(retired_on=day)
    area.refresh_from_db()
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=area,
        obj=area,
        field="retired_on",
        detail=day.isoformat(),
    )
    return area


@transaction.atomic
def area_reinstate(*, by: User | None, area: Area) -> Area:
    """Undo a retirement (the area and its subtree report again)."""
    _check_admin(by, area)
    if area.parent is not None and area.parent.retired_on is not None:
        raise ValidationError({"retired_on": _("Its parent area is retired.")})
    Area.objects.filter(path__startswith=area.path, retired_on=area.retired_on).update(
        retired_on=None
    )
    area.refresh_from_db()
    audit_record(
        user=by, action=AuditAction.UPDATE, area=area, obj=area, field="retired_on", detail="—"
    )
    return area


@transaction.atomic
def area_delete(*, by: User | None, area: Area) -> None:
    """Delete an area entered by mistake: refused when it has areas below it, households, or
    any record at all (then it can be retired instead)."""
    _check_admin(by, area)
    if Area.objects.filter(parent=area).exists():
        raise ValidationError(_("It has areas below it: delete or move them first, or retire it."))
    if n := _households_in(area):
        raise ValidationError(
            _("%(n)d households are registered here: it cannot be deleted.") % {"n": n}
        )
    parent = area.parent
    name, pk = area.name, area.pk
    try:
        with transaction.atomic():
            from fangkong.core.models import AuditEvent

            AuditEvent.objects.filter(area=area).update(area=parent)
            area.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("Records refer to this area (users, reports, visits …): retire it instead.")
        ) from error
    audit_record(
        user=by,
        action=AuditAction.DELETE,
        area=parent,
        field="area",
        detail=f"{name} #{pk}",
    )
