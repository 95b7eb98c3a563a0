"""One parser per kind of value found in village sheets, shared by every importer.

Each parser takes a cell as the reader gives it (text, number, date) and returns the value the
register keeps, or raises ``Unreadable`` (a ``ValidationError`` with a code and a Chinese message
through gettext). What the register can live with is returned with a note (the second phone of a
cell, the 15-digit number that was upgraded) so the importer can warn instead of rejecting.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.core.validators import (
    id_check_char,
    normalise_text,
    validate_id_number,
    validate_phone,
)


class Unreadable(ValidationError):
    """The cell cannot be read as the kind of value its column holds."""


# -- dates ---------------------------------------------------------------------------------------

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug folded in)
# Excel serial numbers villages meet: 1954-10 (20,000) .. 2119 (80,000). Smaller numbers are more
# likely a typo than a date; an 8-digit number is a date written 20200123.
SERIAL_RANGE = range(20_000, 80_000)
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[\sT].*)?$")
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\d{4,6})?$")
_MD = re.compile(r"^(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号]?|[-/.]\s*(\d{1,2}))$")
DATE_HELP = _("Write the date as 2020-01-23 (20200123, 2020.1.23, 2020/1/23, 1月23日 also work).")


def _date_or_unreadable(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise Unreadable(DATE_HELP, code="date_invalid") from error


def parse_date(value: Any, *, year: int | None = None) -> dt.date | None:
    """A calendar date from a cell; ``None`` for an empty cell.

    Accepts date cells, Excel serial numbers, 2020-01-23 (and with a time), 20200123, 2020.1.23,
    2020/1/23, 2020年1月23日, 2020-01 (the first of the month), and 1月23日 / 1.23 when ``year`` says
    which year the sheet is about."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise Unreadable(DATE_HELP, code="date_invalid")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            value = int(value)  # a serial with a time of day
        number = int(value)
        if number in SERIAL_RANGE:
            return EXCEL_EPOCH + dt.timedelta(days=number)
        value = str(number)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    if text.isdigit():
        if int(text) in SERIAL_RANGE and len(text) == 5:
            return EXCEL_EPOCH + dt.timedelta(days=int(text))
        match = _COMPACT.match(text)
        if match:
            return _date_or_unreadable(*(int(g) for g in match.groups()))
        raise Unreadable(DATE_HELP, code="date_invalid")
    match = _YMD.match(text)
    if match:
        return _date_or_unreadable(*(int(g) for g in match.groups()))
    match = _YM.match(text)
    if match:
        return _date_or_unreadable(int(match[1]), int(match[2]), 1)
    match = _MD.match(text)
    if match and year is not None:
        return _date_or_unreadable(year, int(match[1]), int(match[2] or match[3]))
    raise Unreadable(DATE_HELP, code="date_invalid")


class DateColumn:
    """Reads a column of dates: a date written without its year (1月23日) takes the year of the
    last date above it that had one, else the latest such day not after today."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.year: int | None = None

    def read(self, value: Any) -> dt.date | None:
        try:
            day = parse_date(value)
        except Unreadable:
            if self.year is not None:
                return parse_date(value, year=self.year)
            day = parse_date(value, year=self.today.year)
            if day is not None and day > self.today:
                day = parse_date(value, year=self.today.year - 1)
            return day
        if day is not None:
            self.year = day.year
        return day


# -- phones --------------------------------------------------------------------------------------

_PHONE_SPLIT = re.compile(r"\s*(?:[/／,，、;；|]|或|\s{1,}(?=\+?\d{3,}))\s*")
_EXTENSION = re.compile(r"^(.*?\d)\s*(?:转|分机|-|ext\.?|x)\s*(\d{1,6})$", re.IGNORECASE)


@dataclass
class Phones:
    phone: str = ""  # the first usable number, as ``validate_phone`` writes it
    extra: list[str] = field(default_factory=list)  # further numbers and extensions, for notes


def _one_phone(text: str) -> tuple[str, str]:
    """(number, extension) for one number as written; raises ``Unreadable``."""
    raw = normalise_text(text).replace("(", "").replace(")", "")
    digits = raw.replace("-", "").replace(" ", "")
    # 86-154…, 86 154…, +86 154…, 0086 154…: the country code before a mobile.
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        raw = digits[2:]
    try:
        return validate_phone(raw), ""
    except ValidationError as error:
        match = _EXTENSION.match(text.strip())
        if match:
            try:
                return validate_phone(match[1]), match[2]
            except ValidationError:
                pass
        raise Unreadable(error.messages[0], code=error.code or "phone_invalid") from error


def parse_phones(value: Any) -> Phones:
    """The first phone of a cell, and the rest (a second number, an extension) for the notes.

    Raises ``Unreadable`` only when no number in the cell can be read."""
    text = unicodedata.normalize("NFKC", _text(value)).strip()
    found = Phones()
    if not text:
        return found
    try:  # the whole cell as one number first: "0739 5221234" is one landline
        found.phone, extension = _one_phone(text)
    except Unreadable:
        pass
    else:
        found.extra = [f"分机 {extension}"] if extension else []
        return found
    first_error: Unreadable | None = None
    for part in (p for p in _PHONE_SPLIT.split(text) if p.strip()):
        try:
            number, extension = _one_phone(part)
        except Unreadable as error:
            first_error = first_error or error
            if found.phone:
                found.extra.append(part.strip())
            continue
        if not found.phone:
            found.phone = number
            if extension:
                found.extra.append(f"分机 {extension}")
        else:
            found.extra.append(number + (f" 分机 {extension}" if extension else ""))
    if not found.phone:
        assert first_error is not None
        raise first_error
    return found


# -- ID numbers ----------------------------------------------------------------------------------


def _refuse_masked(number: str) -> None:
    if "*" in number:
        raise Unreadable(
            _(
                "The ID number is masked (an export without full numbers): export with full "
                "numbers to import the sheet again."
            ),
            code="id_masked",
        )


def upgrade_id15(number: str) -> str:
    """A first-generation 15-digit number as its 18-digit form: 19 inserted before the two-digit
    year of birth, the check character computed (GB 11643-1999, appendix)."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + id_check_char(first17)


def parse_id_number(value: Any, *, today: dt.date | None = None) -> tuple[str, bool]:
    """(the 18-character 居民身份证号, whether it was upgraded from 15 digits).

    Also reads the Excel text marker (a leading apostrophe) and a number cell. Raises
    ``ValidationError`` with the validator's code when the number is unusable."""
    if isinstance(value, float):
        # A number cell: exact up to 15 digits (a first-generation number); an 18-digit one
        # lost its last digits, which its scientific form shows (id_scientific).
        text = str(int(value)) if value.is_integer() and value < 1e15 else repr(value)
    else:
        text = _text(value).strip().lstrip("'‘’`")
    number = normalise_text(text)
    _refuse_masked(number)
    if len(number) == 15 and number.isdigit():
        return validate_id_number(upgrade_id15(number), today=today), True
    return validate_id_number(number, today=today), False


# Kinds of identity document (the registry's ``IdType`` values). The number of the first three
# follows GB 11643 (18 characters, MOD 11-2 check): the resident identity card, the residence
# permit for Hong Kong, Macao and Taiwan residents (810000/820000/830000…) and the 2023 foreign
# permanent residence ID card (9…).
RESIDENT_ID = "resident_id"
RESIDENCE_PERMIT = "residence_permit"
FOREIGN_PR = "foreign_pr"
GB11643_KINDS = frozenset({RESIDENT_ID, RESIDENCE_PERMIT, FOREIGN_PR})
OTHER_ID = "other"
_ID_TYPE_WORDS: tuple[tuple[str, str], ...] = (  # (word contained in the cell, kind), in order
    ("居住证", RESIDENCE_PERMIT),
    ("永久居留", FOREIGN_PR),
    ("永居", FOREIGN_PR),
    ("台湾居民来往", "taiwan"),
    ("台胞", "taiwan"),
    ("港澳居民来往", "hk_macao"),
    ("回乡证", "hk_macao"),
    ("港澳通行证", "hk_macao"),
    ("护照", "passport"),
    ("PASSPORT", "passport"),
    ("身份证", RESIDENT_ID),
    ("身份号码", RESIDENT_ID),
    ("其他", OTHER_ID),
    ("其它", OTHER_ID),
    # The English labels of fangkong's own export.
    ("RESIDENCEPERMIT", RESIDENCE_PERMIT),
    ("PERMANENTRESIDENT", FOREIGN_PR),
    ("TAIWANRESIDENTS", "taiwan"),
    ("HONGKONG", "hk_macao"),
    ("IDENTITYCARD", RESIDENT_ID),
    ("OTHER", OTHER_ID),
)


def id_type_of(value: Any) -> tuple[str, bool]:
    """(kind, known) for a 证件类型 cell: an empty cell is the resident identity card; a document
    we do not know is ``other`` with ``known`` False, for the importer to warn about."""
    word = normalise_text(_text(value))
    if not word:
        return RESIDENT_ID, True
    for part, kind in _ID_TYPE_WORDS:
        if part in word:
            return kind, True
    return OTHER_ID, False


def parse_other_id(value: Any) -> str:
    """The number of a passport or a travel permit: as written, without blanks, upper case."""
    number = normalise_text(_text(value).strip().lstrip("'‘’`"))
    _refuse_masked(number)
    if not number:
        raise Unreadable(_("Enter the ID number."), code="id_required")
    if len(number) > 40:
        raise Unreadable(_("The document number is too long."), code="id_format")
    return number


# -- yes/no flags --------------------------------------------------------------------------------

TRUE_WORDS = frozenset({"是", "有", "√", "✓", "✔", "Y", "YES", "TRUE", "1", "对", "○"})
FALSE_WORDS = frozenset(
    {"", "否", "无", "没有", "不是", "N", "NO", "FALSE", "0", "×", "✗", "-", "/"}
)


def parse_flag(value: Any) -> bool:
    """是/否 and their many spellings; raises ``Unreadable`` for anything else."""
    if isinstance(value, bool):
        return value
    word = normalise_text(_text(value))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Unreadable(_("Write 是 or 否 (or leave it empty)."), code="flag_invalid")


# -- names ---------------------------------------------------------------------------------------

_CJK_GAP = re.compile(
    r"(?<=[\u2e80-\u9fff\U00020000-\U0003ffff])\s+(?=[\u2e80-\u9fff\U00020000-\U0003ffff])"
)
LOST_CHARACTERS = frozenset("?？\ufffd")


def parse_name(value: Any) -> str:
    """A person's name as written: Latin names keep their spaces, case and accents; the blanks
    used to centre a two-character Chinese name (张  三) are dropped; full-width letters and
    runs of blanks are normalised."""
    text = unicodedata.normalize("NFKC", _text(value))
    text = " ".join(text.split())
    return _CJK_GAP.sub("", text)


def lost_characters(text: str) -> bool:
    """True when a text holds the marks a lossy encoding leaves (``?``, ``？``, U+FFFD): e.g. a
    rare character Excel could not write in a GBK CSV."""
    # Three substring searches in C: a set lookup per character costs three times more, and
    # every register row asks (``LOST_CHARACTERS`` is the same three characters).
    return "?" in text or "？" in text or "\ufffd" in text


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
