"""Reading a reconciliation list (协查名单): name, ID number, phone, origin, date per row.

The registry's reader finds the header (title rows, merged cells, .xlsx/.xls/.csv); this module
gives it the list's column names and validates each row, reporting every bad one by row, column
and reason."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.sheets import SheetError, cell_text, read_sheet
from fangkong.core.validators import validate_id_number, validate_phone
from fangkong.registry.importing.columns import ALIASES

LIST_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ALIASES["name"],
    "id_number": ALIASES["id_number"],
    "phone": ALIASES["phone"],
    "origin": (
        "来源地",
        "来自",
        "从何地返回",
        "从何地来",
        "来源",
        "出发地",
        "返回地",
        "途经地",
        "行程",
        "origin",
    ),
    "date": (
        "日期",
        "返回日期",
        "返乡日期",
        "抵达日期",
        "到达日期",
        "返回时间",
        "抵达时间",
        "到达时间",
        "date",
    ),
}
REQUIRED = ("name", "id_number")
MAX_ROWS = 20000
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


@dataclass
class ListRow:
    row: int
    name: str
    id_number: str
    phone: str = ""
    origin: str = ""
    reported_on: dt.date | None = None


@dataclass
class ListReading:
    rows: list[ListRow] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = _DATE.match(text)
    if not match:
        raise ValidationError(_("Write the date as 2020-01-23."))
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError as error:
        raise ValidationError(_("Write the date as 2020-01-23.")) from error


def list_read(source: IO[bytes], filename: str) -> ListReading:
    """Every usable row, and every rejected one with its row, column and reason.

    Raises ``ValidationError`` when the file cannot be used at all."""
    try:
        sheet = read_sheet(source, filename, aliases=LIST_ALIASES)
    except SheetError as error:
        raise ValidationError({"file": str(error)}) from error
    missing = [key for key in REQUIRED if key not in sheet.mapping.values()]
    if missing:
        raise ValidationError({"file": _("The list has no ID number column (身份证号).")})
    columns = {key: col for col, key in sheet.mapping.items()}
    names = sheet.column_names
    today = timezone.localdate()
    reading = ListReading()
    seen: dict[str, int] = {}
    for number, cells in sheet.rows:
        if len(reading.rows) + len(reading.rejected) >= MAX_ROWS:
            reading.rejected.append(
                {"row": number, "column": "", "reason": _("Too many rows: the rest was not read.")}
            )
            break

        def cell(key: str, cells: list[Any] = cells) -> Any:
            col = columns.get(key)
            return cells[col] if col is not None and col < len(cells) else None

        errors: list[tuple[str, str]] = []
        name = cell_text(cell("name")).strip()[:50]
        if not name:
            errors.append((names["name"], _("The name is empty.")))
        id_number = ""
        try:
            id_number = validate_id_number(cell_text(cell("id_number")), today=today)
        except ValidationError as error:
            errors.append((names["id_number"], " ".join(error.messages)))
        phone = ""
        if cell_text(cell("phone")):
            try:
                phone = validate_phone(cell_text(cell("phone")))
            except ValidationError as error:
                errors.append((names["phone"], " ".join(error.messages)))
        reported_on = None
        try:
            reported_on = _date(cell("date"))
        except ValidationError as error:
            errors.append((names.get("date", ""), " ".join(error.messages)))
        if id_number and id_number in seen and not errors:
            errors.append(
                (
                    names["id_number"],
                    _("This ID number is already in row %(row)d.") % {"row": seen[id_number]},
                )
            )
        if errors:
            reading.rejected.extend(
                {"row": number, "column": column, "reason": reason} for column, reason in errors
            )
            continue
        seen[id_number] = number
        reading.rows.append(
            ListRow(
                row=number,
                name=name,
                id_number=id_number,
                phone=phone,
                origin=cell_text(cell("origin")).strip()[:100],
                reported_on=reported_on,
            )
        )
    return reading
