"""Writes to the area tree (county administrators, Django admin and ``load_demo``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction

from fangkong.areas.models import Area
from fangkong.core.audit import audit_record
from fangkong.core.models import AuditAction

if TYPE_CHECKING:
    from fangkong.accounts.models import User


@transaction.atomic
def area_create(*, by: User | None, parent: Area | None, name: str, level: str, code: str) -> Area:
    """Create an area after the model's rules (code shape, allowed level under the parent)."""
    if by is not None and (
        not by.is_county_admin or parent is None or by.area is None or not parent.is_within(by.area)
    ):
        raise PermissionDenied
    area = Area(parent=parent, name=name.strip(), level=level, code=code)
    area.full_clean()
    area.save()
    if by is not None:
        audit_record(user=by, action=AuditAction.CREATE, area=area, obj=area)
    return area


@transaction.atomic
def area_rename(*, by: User, area: Area, name: str) -> Area:
    if not by.is_county_admin or by.area is None or not area.is_within(by.area):
        raise PermissionDenied
    area.name = name.strip()
    area.save(update_fields=["name"])
    audit_record(user=by, action=AuditAction.UPDATE, area=area, obj=area)
    return area
