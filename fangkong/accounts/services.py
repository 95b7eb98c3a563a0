"""Accounts written by the county administrator (and counties by a province administrator).

Every change of an account, its role, its area, its state or its password is an event in the
audit log, written in the same transaction. Names of fields are recorded, never a phone number
or a password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.accounts.models import ROLE_RANK, Role, User
from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record
from fangkong.core.models import AuditAction
from fangkong.core.validators import validate_phone

# No 0/O, 1/l/I: read aloud over the phone or copied from a slip of paper.
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def assignable_roles(by: User | None) -> list[tuple[str, str]]:
    """The roles ``by`` may give: up to their own rank, never above (province administrators
    are made by a superuser only). ``None`` is the operator at the command line."""
    own = ROLE_RANK.get(by.role, 0) if by is not None else ROLE_RANK[Role.COUNTY_ADMIN]
    return [
        (value, str(label))
        for value, label in Role.choices
        if value != Role.PROVINCE_ADMIN and ROLE_RANK[value] <= own
    ]


def _check_scope(by: User | None, *, area: Area | None, role: str | None) -> None:
    if by is None:  # the operator at the command line (import_users --county)
        if role is not None and role not in dict(assignable_roles(None)):
            raise ValidationError({"role": _("You cannot give a role above your own.")})
        return
    if not by.is_county_admin or by.area is None:
        raise PermissionDenied
    if area is not None and not area.is_within(by.area):
        raise ValidationError({"area": _("This area is outside your county's tree.")})
    if role is not None and role not in dict(assignable_roles(by)):
        raise ValidationError({"role": _("You cannot give a role above your own.")})


def _check_target(by: User, user: User) -> None:
    """The account must be one ``by`` manages: in their subtree and not above their rank."""
    if not by.is_county_admin or by.area is None:
        raise PermissionDenied
    if user.area is None or not user.area.is_within(by.area):
        raise PermissionDenied
    if ROLE_RANK.get(user.role, 0) > ROLE_RANK.get(by.role, 0) or user.is_superuser:
        raise PermissionDenied


def clean_username(value: str) -> str:
    username = value.strip()
    if not username:
        raise ValidationError({"username": _("Enter the user name.")})
    if len(username) > 150:
        raise ValidationError({"username": _("The user name is longer than 150 characters.")})
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from error
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    return username


def clean_phone(value: str) -> str:
    if not value.strip():
        return ""
    try:
        return validate_phone(value)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from error


@transaction.atomic
def user_create(
    *,
    by: User | None,
    username: str,
    first_name: str,
    phone: str,
    role: str,
    area: Area,
    audit: bool = True,
) -> tuple[User, str]:
    """A new account with a one-time password (returned once, changed at the first login)."""
    _check_scope(by, area=area, role=role)
    if area.retired_on is not None:
        raise ValidationError({"area": _("This area is retired.")})
    username = clean_username(username)
    first_name = first_name.strip()
    if not first_name:
        raise ValidationError({"first_name": _("Enter the person's name.")})
    password = one_time_password()
    user = User(
        username=username,
        first_name=first_name[:150],
        phone=clean_phone(phone),
        role=role,
        area=area,
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    if audit:
        audit_record(
            user=by,
            action=AuditAction.CREATE,
            area=area,
            obj=user,
            field="account",
            detail=f"{username} · {role}",
        )
    return user, password


@transaction.atomic
def user_update(
    *, by: User, user: User, first_name: str, phone: str, role: str, area: Area
) -> User:
    """Change a managed account; each changed role and area is its own audit event."""
    _check_target(by, user)
    _check_scope(by, area=area, role=role)
    if user.pk == by.pk and (role != user.role or area != user.area):
        raise ValidationError(_("Your own role and area are changed by the level above."))
    first_name = first_name.strip()
    if not first_name:
        raise ValidationError({"first_name": _("Enter the person's name.")})
    phone = clean_phone(phone)
    changes: list[tuple[str, str]] = []
    if role != user.role:
        changes.append(("role", f"{user.role}→{role}"))
    if area != user.area:
        changes.append(("area", f"{user.area.code if user.area else ''}→{area.code}"))
    details = [
        f
        for f, old, new in (
            ("first_name", user.first_name, first_name),
            ("phone", user.phone, phone),
        )
        if old != new
    ]
    user.first_name, user.phone, user.role, user.area = first_name[:150], phone, role, area
    user.save(update_fields=["first_name", "phone", "role", "area"])
    for field, detail in changes:
        audit_record(
            user=by, action=AuditAction.UPDATE, area=area, obj=user, field=field, detail=detail
        )
    if details:
        audit_record(
            user=by,
            action=AuditAction.UPDATE,
            area=area,
            obj=user,
            field="account",
            detail=",".join(details),  # which fields, never the phone itself
        )
    return user


@transaction.atomic
def user_set_active(*, by: User, user: User, active: bool) -> User:
    _check_target(by, user)
    if user.pk == by.pk:
        raise ValidationError(_("You cannot disable your own account."))
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            _end_sessions_and_tokens(user)
        audit_record(
            user=by,
            action=AuditAction.UPDATE,
            area=user.area,
            obj=user,
            field="is_active",
            detail="enabled" if active else "disabled",
        )
    return user


def _end_sessions_and_tokens(user: User) -> None:
    """A disabled account or a reset password leaves no way in: API tokens are deleted (a web
    session of an inactive user is refused by Django's backend; a reset changes the session
    hash)."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()


@transaction.atomic
def user_reset_password(*, by: User, user: User) -> str:
    """A one-time password, shown once to the administrator; the person changes it at login."""
    _check_target(by, user)
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    _end_sessions_and_tokens(user)
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=user.area,
        obj=user,
        field="password",
        detail="reset",
    )
    return password


def password_changed(*, user: User) -> None:
    """The person chose their own password (after a reset, the one-time one is gone)."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit_record(user=user, action=AuditAction.UPDATE, area=user.area, obj=user, field="password")


@dataclass
class NewCounty:
    county: Area
    admin: User
    password: str


@transaction.atomic
def county_create(
    *,
    by: User,
    name: str,
    code: str,
    admin_username: str,
    admin_name: str,
    admin_phone: str,
) -> NewCounty:
    """A county and its first administrator (superusers and province administrators)."""
    if not by.can_create_counties:
        raise PermissionDenied
    code = "".join(code.split())
    if len(code) == 6:
        code += "000000"
    if Area.objects.filter(code=code).exists():
        raise ValidationError({"code": _("This code is already used by another area.")})
    county = Area(name=" ".join(name.split()), level=Level.COUNTY, code=code)
    try:
        county.full_clean()
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error
    if county.code[6:] != "000000" or county.code[4:6] == "00":
        raise ValidationError({"code": _("A county's code has 6 digits (e.g. 430502).")})
    county.save()
    username = clean_username(admin_username)
    if not admin_name.strip():
        raise ValidationError({"admin_name": _("Enter the person's name.")})
    password = one_time_password()
    admin = User(
        username=username,
        first_name=admin_name.strip()[:150],
        phone=clean_phone(admin_phone),
        role=Role.COUNTY_ADMIN,
        area=county,
        must_change_password=True,
    )
    admin.set_password(password)
    admin.save()
    audit_record(user=by, action=AuditAction.CREATE, area=county, obj=county)
    audit_record(
        user=by,
        action=AuditAction.CREATE,
        area=county,
        obj=admin,
        field="account",
        detail=f"{username} · {Role.COUNTY_ADMIN}",
    )
    return NewCounty(county=county, admin=admin, password=password)
