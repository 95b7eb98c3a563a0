"""Accounts from a sheet: ``fangkong import_users`` and the county administrator's upload page.

Columns: 用户名 (user name), 姓名, 手机号 (optional, validated like residents' phones), 角色 (the role
as the page shows it, e.g. 村干部, or its code), 区域 (a 12-digit division code, a grid as
``village code/grid code``, or an area name that is unique in the county). Every bad row is
reported (row, column, reason); the good rows are created in one transaction, each with a
one-time password returned once.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.accounts import services
from fangkong.accounts.models import Role, User
from fangkong.areas.models import Area
from fangkong.core.audit import audit_record
from fangkong.core.models import AuditAction
from fangkong.core.sheets import reading as reader

ALIASES: dict[str, tuple[str, ...]] = {
    "username": ("用户名", "账号", "帐号", "登录名", "登录账号", "username", "user"),
    "name": ("姓名", "名字", "人员姓名", "name"),
    "phone": ("手机号", "手机号码", "手机", "联系电话", "电话", "phone"),
    "role": ("角色", "岗位", "职务", "role"),
    "area": ("区域", "所属区域", "区域代码", "所属村", "村/网格", "网格", "area"),
}
COLUMNS = {"username": "用户名", "name": "姓名", "phone": "手机号", "role": "角色", "area": "区域"}


class UserImportError(Exception):
    """The file cannot be used at all."""


@dataclass
class UserRowError:
    row: int
    column: str
    code: str
    message: str


@dataclass
class CreatedUser:
    row: int
    username: str
    name: str
    role: str
    area: str
    password: str


@dataclass
class UserImportResult:
    rows: int = 0
    created: int = 0
    rejected: int = 0
    applied: bool = False
    seconds: float = 0.0
    errors: list[UserRowError] = field(default_factory=list)
    users: list[CreatedUser] = field(default_factory=list)

    def as_json(self, *, passwords: bool = True) -> dict[str, Any]:
        users = [asdict(u) for u in self.users]
        if not passwords:
            for u in users:
                u.pop("password")
        return {
            "rows": self.rows,
            "created": self.created,
            "rejected": self.rejected,
            "applied": self.applied,
            "errors": [asdict(e) for e in self.errors],
            "users": users,
        }


def _role_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in Role.choices:
        lookup[value.lower()] = value
        lookup[str(label).lower()] = value
    # The Chinese labels whatever language the command runs in.
    from django.utils import translation

    with translation.override("zh-hans"):
        for value, label in Role.choices:
            lookup[str(label).lower()] = value
    lookup.update(
        {
            "村两委": Role.VILLAGE_CADRE,
            "社区干部": Role.VILLAGE_CADRE,
            "乡镇": Role.TOWNSHIP_OFFICER,
        }
    )
    return lookup


def import_users(
    source: Path | IO[bytes],
    filename: str,
    *,
    by: User | None,
    county: Area | None = None,
    dry_run: bool = False,
) -> UserImportResult:
    """``by`` is the county administrator of the page; the command line passes no user and the
    county instead (the operator, audited without a user)."""
    started = time.perf_counter()
    if by is not None and (not by.is_county_admin or by.area is None):
        raise UserImportError(_("Only a county administrator creates accounts."))
    scope = by.area if by is not None else county
    if scope is None:
        raise UserImportError(_("Only a county administrator creates accounts."))
    try:
        sheet = reader.read_sheet(source, filename, aliases=ALIASES)
    except reader.SheetError as error:
        raise UserImportError(
            _("No header row found: the sheet needs 用户名, 姓名, 角色 and 区域 columns.")
        ) from error
    missing = [
        COLUMNS[k] for k in ("username", "name", "role", "area") if k not in sheet.mapping.values()
    ]
    if missing:
        raise UserImportError(_("Columns missing: %(columns)s") % {"columns": "、".join(missing)})
    columns = {**COLUMNS, **sheet.column_names}
    areas = list(Area.objects.subtree(scope).current())
    by_code = {a.code: a for a in areas if a.is_administrative}
    by_path = {a.path: a for a in areas}
    by_name: dict[str, list[Area]] = {}
    for a in areas:
        by_name.setdefault(a.name, []).append(a)
    roles = _role_lookup()
    allowed = dict(services.assignable_roles(by))
    taken = {u.lower() for u in User.objects.values_list("username", flat=True)}
    seen: dict[str, int] = {}
    result = UserImportResult()
    good: list[tuple[int, dict[str, Any]]] = []

    def refuse(row: int, key: str, code: str, message: str) -> None:
        result.errors.append(UserRowError(row, columns.get(key, key), code, message))

    for number, cells in sheet.rows:
        result.rows += 1
        values = {
            key: reader.cell_text(cells[col]) if col < len(cells) else ""
            for col, key in sheet.mapping.items()
        }
        username = values.get("username", "").strip()
        ok = True
        try:
            if username.lower() in taken:
                raise ValidationError({"username": _("This user name is taken.")})
            if username.lower() in seen:
                raise ValidationError(
                    {
                        "username": _("The same user name is in row %(row)d.")
                        % {"row": seen[username.lower()]}
                    }
                )
            services.clean_username(username)
        except ValidationError as error:
            refuse(number, "username", username, " ".join(error.messages))
            ok = False
        name = values.get("name", "").strip()
        if not name:
            refuse(number, "name", username, _("Enter the person's name."))
            ok = False
        try:
            phone = services.clean_phone(values.get("phone", ""))
        except ValidationError as error:
            refuse(number, "phone", username, " ".join(error.messages))
            ok = False
        raw_role = values.get("role", "").strip()
        role = roles.get(raw_role.lower())
        if role is None:
            refuse(
                number,
                "role",
                raw_role,
                _("Unknown role: write it as the page shows it (e.g. 村干部)."),
            )
            ok = False
        elif role not in allowed:
            refuse(number, "role", raw_role, _("You cannot give a role above your own."))
            ok = False
        ref = "".join(values.get("area", "").split())
        area = _find_area(ref, scope, by_code, by_path, by_name)
        if isinstance(area, str):
            refuse(number, "area", ref, area)
            ok = False
        if ok:
            seen[username.lower()] = number
            good.append(
                (
                    number,
                    {
                        "username": username,
                        "first_name": name,
                        "phone": phone,
                        "role": role,
                        "area": area,
                    },
                )
            )
    result.errors.sort(key=lambda e: e.row)
    result.rejected = len({e.row for e in result.errors})
    if not dry_run and good:
        with transaction.atomic():
            for number, data in good:
                user, password = services.user_create(by=by, **data)
                result.users.append(
                    CreatedUser(
                        number,
                        user.username,
                        user.first_name,
                        user.role,
                        data["area"].name,
                        password,
                    )
                )
            audit_record(
                user=by,
                action=AuditAction.IMPORT,
                area=scope,
                rows=len(good),
                detail="accounts",
            )
        result.applied = True
    result.created = len(good)
    result.seconds = time.perf_counter() - started
    return result


def _find_area(
    ref: str,
    scope: Area,
    by_code: dict[str, Area],
    by_path: dict[str, Area],
    by_name: dict[str, list[Area]],
) -> Area | str:
    """The area a row names, or why not."""
    if not ref:
        return _("The area is empty.")
    if ref.isdigit():
        if len(ref) == 6:
            ref += "000000"
        if len(ref) != 12:
            return _("Wrong length: %(n)d digits, a division code has 12.") % {"n": len(ref)}
        area = by_code.get(ref)
        if area is None:
            return _("No area with this code in your county.")
        return area
    if "/" in ref:
        village_code, _sep, local = ref.partition("/")
        village = by_code.get(village_code)
        if village is not None:
            found = by_path.get(f"{village.path}{local.strip('/')}/")
            if found is not None:
                return found
        return _("No area with this code in your county.")
    found_by_name = by_name.get(ref, [])
    if len(found_by_name) == 1:
        return found_by_name[0]
    if found_by_name:
        return _("More than one area has this name: give its code.")
    return _("No area of this name in your county.")
