"""Reading a reconciliation list (协查名单): name, ID number, phone, origin, date per row.

The shared reading layer (``fangkong.core.sheets``) finds the sheet and its header and reads each
value with the same parsers as the register import; this module gives it the list's column names
and reports every bad row by row, column and reason. A date or a second phone the list can live
without is a warning, never a lost person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.sheets import SheetError, cell_text, read_sheet
from fangkong.core.sheets.columns import RECONCILIATION_LIST
from fangkong.core.sheets.values import (
    GB11643_KINDS,
    DateColumn,
    Unreadable,
    id_type_of,
    parse_id_number,
    parse_name,
    parse_other_id,
    parse_phones,
)

LIST_ALIASES = RECONCILIATION_LIST
REQUIRED = ("name", "id_number")
MAX_ROWS = 20000


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
    # Kept rows with something left out (an unreadable date, a second phone), same shape.
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # Rows that are not people (合计, section titles, the 填表人 footer): row and kind.
    skipped: list[dict[str, Any]] = field(default_factory=list)


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
    dates = DateColumn(today)
    for number, cells in sheet.rows:
        if len(reading.rows) + len(reading.rejected) >= MAX_ROWS:
            reading.rejected.append(
                {"row": number, "column": "", "reason": _("Too many rows: the rest was not read.")}
            )
            break

        def cell(key: str, cells: list[Any] = cells) -> Any:
            col = columns.get(key)
            return cells[col] if col is not None and col < len(cells) else None

        def warn(key: str, reason: str, number: int = number) -> None:
            reading.warnings.append({"row": number, "column": names.get(key, ""), "reason": reason})

        errors: list[tuple[str, str]] = []
        name = parse_name(cell("name"))[:50]
        if not name:
            errors.append((names["name"], _("The name is empty.")))
        id_number = ""
        kind, known = id_type_of(cell("id_type"))
        if not known:
            warn(
                "id_type",
                _("Unknown document type “%s”: read as other.") % cell_text(cell("id_type")),
            )
        try:
            if kind in GB11643_KINDS:
                id_number, upgraded = parse_id_number(cell("id_number"), today=today)
                if upgraded:
                    warn("id_number", _("A 15-digit ID number was upgraded to 18 digits."))
            else:
                id_number = parse_other_id(cell("id_number"))
        except ValidationError as error:
            errors.append((names["id_number"], " ".join(error.messages)))
        phone = ""
        try:
            phones = parse_phones(cell("phone"))
        except Unreadable as error:
            warn("phone", " ".join(error.messages))
        else:
            phone = phones.phone
            if phones.extra:
                warn("phone", _("Only the first phone is kept: %s") % "、".join(phones.extra))
        reported_on = None
        try:
            reported_on = dates.read(cell("date"))
        except Unreadable as error:
            warn("date", " ".join(error.messages))
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
    reading.skipped = [{"row": s.row, "kind": s.reason} for s in sheet.skipped]
    return reading
