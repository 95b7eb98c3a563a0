"""The resident importer: validate every row, report every bad one, write the good ones at once.

Rows are keyed by ID number (through the blind index, per county): a known person is updated when
their details changed and reported unchanged otherwise. Households are grouped by household number,
else by head + address. The whole file is one transaction: a failure or an interrupted import
leaves nothing written; ``dry_run`` validates and rolls back.
"""

from __future__ import annotations

import gc
import multiprocessing
import operator
import pickle
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.areas.models import Area, Level
from fangkong.core import crypto, uploads
from fangkong.core.audit import audit_record
from fangkong.core.models import AuditAction
from fangkong.core.sheets import Sheet, SheetError, cell_text, read_sheet
from fangkong.core.sheets.columns import ADDRESS_PARTS
from fangkong.core.sheets.columns import REGISTER as ALIASES
from fangkong.core.sheets.reading import SkippedRow, row_kind
from fangkong.core.sheets.values import (
    GB11643_KINDS,
    DateColumn,
    id_type_of,
    lost_characters,
    parse_flag,
    parse_id_number,
    parse_name,
    parse_other_id,
    parse_phones,
)
from fangkong.core.uploads import RejectedCell
from fangkong.core.validators import id_birth_date, id_sex, normalise_text
from fangkong.registry.importing import bulk, csvblocks
from fangkong.registry.models import (
    Household,
    IdType,
    Relationship,
    ResidenceStatus,
    Resident,
    Sex,
    phone_index,
)
from fangkong.registry.signals import places_changed

if TYPE_CHECKING:
    from fangkong.accounts.models import User

BATCH = 2000
HOUSEHOLD_COLUMNS = (
    "id",
    "county_id",
    "area_id",
    "number",
    "address",
    "head_name",
    "phone",
    "phone_index",
    "notes",
    "created_at",
    "updated_at",
)
HOUSEHOLD_PG_TYPES = ("int8", "int8", "int8") + ("text",) * 6 + ("timestamptz",) * 2
RESIDENT_COLUMNS = (
    "county_id",
    "household_id",
    "relationship",
    "name",
    "id_type",
    "id_number",
    "id_number_index",
    "sex",
    "birth_date",
    "phone",
    "phone_index",
    "residence_status",
    "low_income",
    "elderly_alone",
    "chronic_illness",
    "pregnant",
    "disabled",
    "notes",
    "created_at",
    "updated_at",
)
RESIDENT_PG_TYPES = (
    ("int8", "int8")
    + ("text",) * 6
    + ("date",)
    + ("text",) * 3
    + ("bool",) * 5
    + ("text",)
    + ("timestamptz",) * 2
)
assert len(RESIDENT_PG_TYPES) == len(RESIDENT_COLUMNS)
assert len(HOUSEHOLD_PG_TYPES) == len(HOUSEHOLD_COLUMNS)
HOUSEHOLD_LEVELS = {Level.VILLAGE, Level.GROUP, Level.GRID}
FLAGS = ("low_income", "elderly_alone", "chronic_illness", "pregnant", "disabled")
RELATIONSHIPS = {
    "户主": Relationship.HEAD,
    "本人": Relationship.HEAD,
    "配偶": Relationship.SPOUSE,
    "妻": Relationship.SPOUSE,
    "妻子": Relationship.SPOUSE,
    "夫": Relationship.SPOUSE,
    "丈夫": Relationship.SPOUSE,
    "子": Relationship.CHILD,
    "女": Relationship.CHILD,
    "儿子": Relationship.CHILD,
    "女儿": Relationship.CHILD,
    "子女": Relationship.CHILD,
    "长子": Relationship.CHILD,
    "长女": Relationship.CHILD,
    "次子": Relationship.CHILD,
    "次女": Relationship.CHILD,
    "儿媳": Relationship.OTHER,
    "女婿": Relationship.OTHER,
    "父亲": Relationship.PARENT,
    "母亲": Relationship.PARENT,
    "父": Relationship.PARENT,
    "母": Relationship.PARENT,
    "父母": Relationship.PARENT,
    "孙子": Relationship.GRANDCHILD,
    "孙女": Relationship.GRANDCHILD,
    "孙子女": Relationship.GRANDCHILD,
    "外孙": Relationship.GRANDCHILD,
    "外孙女": Relationship.GRANDCHILD,
    "兄弟姐妹": Relationship.SIBLING,
    "兄": Relationship.SIBLING,
    "弟": Relationship.SIBLING,
    "姐": Relationship.SIBLING,
    "妹": Relationship.SIBLING,
    "哥哥": Relationship.SIBLING,
    "弟弟": Relationship.SIBLING,
    "姐姐": Relationship.SIBLING,
    "妹妹": Relationship.SIBLING,
    "其他": Relationship.OTHER,
    "其它": Relationship.OTHER,
}
STATUSES = {
    "常住": ResidenceStatus.PERMANENT,
    "户籍": ResidenceStatus.PERMANENT,
    "外出": ResidenceStatus.AWAY,
    "流出": ResidenceStatus.AWAY,
    "流入": ResidenceStatus.INCOMING,
    "暂住": ResidenceStatus.INCOMING,
    "流动": ResidenceStatus.INCOMING,
}
# The defaults as plain strings (an enum member's ``.value`` is a descriptor call per row).
RESIDENT_ID = IdType.RESIDENT_ID.value
OTHER_RELATIONSHIP = Relationship.OTHER.value
HEAD = Relationship.HEAD.value
PERMANENT = ResidenceStatus.PERMANENT.value
# The cells that decide a row's place (besides its head's name).
PLACE_CELLS = ("grid", "group", "address", "household_number", *ADDRESS_PARTS)
SEXES = {"男": "M", "女": "F", "M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}


def _choice_words() -> None:
    """Add the labels fangkong itself writes (its export, in Chinese and English) to the words
    each choice column understands, so an export reads back as it was."""
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            for value, label in Relationship.choices:
                RELATIONSHIPS.setdefault(normalise_text(str(label)), Relationship(value))
            for value, label in ResidenceStatus.choices:
                STATUSES.setdefault(normalise_text(str(label)), ResidenceStatus(value))
            for value, label in Sex.choices:
                SEXES.setdefault(normalise_text(str(label)), value)


@dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    # At most uploads.MAX_ERRORS kept (a file of bad rows once stored a 173 MB list); ``rejected``
    # counts them all.
    errors: list[RowError] = field(default_factory=uploads.ErrorList)
    warnings: list[RowError] = field(default_factory=list)  # kept rows, something left out
    skipped: list[dict[str, Any]] = field(default_factory=list)  # 合计, titles, 填表人 rows
    unmapped_columns: list[str] = field(default_factory=list)
    households_created: int = 0
    sheet_name: str = ""
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [asdict(e) for e in self.errors],
            "errors_truncated": self.rejected > len(self.errors),
            "warnings": [asdict(w) for w in self.warnings],
            "skipped": self.skipped,
        }


# A parsed row as it crosses the workers' pipe: a plain tuple of few objects, because the one
# process that writes unpickles every row (measured: 450 bytes and 17 µs a row as a dataclass
# with the values dict, the plaintext and the ciphertexts twice). Its items:
R_NUMBER = 0  # the row number in the sheet
R_INDEX = 1  # the ID number's blind index
R_SIGNATURE = 2  # the repeated-ID check's hash of the row's content
R_PLACE = 3  # where its household is (below); one object for a household's rows in a chunk
R_HEAD_PHONE = 4  # (phone cipher, phone index) when the row is the head's and has a phone
R_RECORD = 5  # the new resident's database row after (county, household), as RESIDENT_COLUMNS
R_WARNINGS = 6  # RowErrors of a kept row (something left out); usually ()
R_DETAIL = 7  # pickled (values, lost_name, notes_extra): only read for a person already stored
# (None when the county had nobody registered when the import began: no row can be an update)
# The place: (household key (area pk, number, head|address), what the sheet says about the
# household ("number", "head" (head + address) or "" (only an address: a person already
# registered stays in their household)), the area pk, the address, the household number, the
# head's name, whether the row names its grid or group).
P_KEY, P_BY, P_AREA, P_ADDRESS, P_NUMBER, P_HEAD, P_GIVEN = range(7)
_Row = tuple[Any, ...]
NO_WARNINGS: tuple[RowError, ...] = ()


def _any_rejected(cells: tuple[Any, ...]) -> bool:
    """Whether the upload guard replaced any of these cells (a NUL, an over-long cell)."""
    return any(map(RejectedCell.__instancecheck__, cells))


def _text(get: dict[str, Any], key: str) -> str:
    """A mapped cell as text ("" when the row has no such cell)."""
    value = get.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return cell_text(value)


class _RowRejected(Exception):
    def __init__(self, column: str, code: str, message: str) -> None:
        self.column, self.code, self.message = column, code, message


class _AreaFinder:
    """Finds the grid or group a row names below the import's area: by name, by local code, or
    by the short name without the village ("1网格" for "前进村1网格"). A name that fits two areas
    is refused rather than guessed."""

    def __init__(self, root: Area) -> None:
        self.root = root
        self.by_key: dict[str, Area | None] = {}
        self.found: dict[str, Area | None] = {}
        areas = [a for a in Area.objects.subtree(root) if a.level in HOUSEHOLD_LEVELS]
        names = {a.pk: a.name for a in areas}
        for area in areas:
            keys = {area.name, area.code}
            parent_name = names.get(area.parent_id or 0, "")
            if parent_name and area.name.startswith(parent_name):
                keys.add(area.name[len(parent_name) :])
            for key in keys:
                key = normalise_text(key)
                if key in self.by_key and self.by_key[key] != area:
                    self.by_key[key] = None  # ambiguous
                else:
                    self.by_key[key] = area

    def find(self, text: str) -> Area | None:
        if text in self.found:  # a sheet names a few grids, on every row of a household
            return self.found[text]
        area = self.found[text] = self._find(text)
        return area

    def _find(self, text: str) -> Area | None:
        key = normalise_text(text)
        if key.isdigit() and key not in self.by_key:
            key = f"{int(key):02d}"
        return self.by_key.get(key)


def _part(text: str, suffix: str) -> str:
    """One part of a composed address: 3 → 3栋, 3栋 stays, 301 → 301室."""
    text = text.strip()
    if text and text[-1].isdigit():
        return text + suffix
    return text


def compose_address(estate: str, building: str, unit: str, room: str) -> str:
    """An address spread over 小区 / 楼栋 / 单元 / 房号 columns, as one line."""
    return "".join((estate.strip(), _part(building, "栋"), _part(unit, "单元"), _part(room, "室")))


class _RowParser:
    """Turns one row of cells into a validated ``_Row`` or raises ``_RowRejected``.

    It touches no database, so big imports run it in worker processes. Every value is read by
    the shared parsers of ``fangkong.core.sheets.values``; what the register can live without
    (a second phone, an unknown choice, an unreadable date) becomes a warning, never a rejection."""

    def __init__(self, *, sheet: Sheet, area: Area) -> None:
        assert area.county_id is not None
        # One timestamp for every row of the import, as the database takes it.
        self.stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        self.adapt_date = connection.ops.adapt_datefield_value
        self.mapping = sheet.mapping
        # A row's mapped cells in one C call when the row is wide enough (most rows).
        self.columns = tuple(sheet.mapping)
        self.keys = tuple(sheet.mapping.values())
        self.take = operator.itemgetter(*self.columns) if len(self.columns) > 1 else None
        self.width = max(self.columns, default=0) + 1
        self.names = sheet.column_names
        self.fields = set(sheet.mapping.values())
        self.area = area
        self.finder = _AreaFinder(area)
        self.today = timezone.localdate()
        self.dates = DateColumn(self.today)
        self.has_parts = any(p in self.fields for p in ADDRESS_PARTS)
        # The sheet's columns decide which branches a row can take: looked up once, not per row.
        self.has_id_type = "id_type" in self.fields
        self.has_phone = "phone" in self.fields
        self.has_relationship = "relationship" in self.fields
        self.has_status = "residence_status" in self.fields
        self.has_notes = "notes" in self.fields
        self.flag_keys = tuple(f for f in FLAGS if f in self.fields)
        self.place_keys = PLACE_CELLS if self.has_parts else PLACE_CELLS[:4]
        # Cells read once per process: (column kind, cell) → value, and head cells → names.
        self.known_cells: dict[tuple[str, Any], Any] = {}
        self.heads: dict[Any, str] = {}
        # Whether rows carry what an update needs (not when nobody of the county is stored yet).
        self.details = True
        self.csv_layout: csvblocks.CsvLayout | None = None  # when the sheet is read in blocks
        _choice_words()

    def column(self, key: str) -> str:
        return self.names.get(key, key)

    def _warn(
        self, warnings: list[RowError], number: int, key: str, code: str, message: str
    ) -> None:
        warnings.append(RowError(number, self.column(key), code, message))

    def _unknown(
        self, warnings: list[RowError], extra: list[str], number: int, key: str, value: str
    ) -> None:
        """A value outside a choice column's choices: kept in the notes, with a warning."""
        extra.append(f"{self.column(key)}：{value}")
        self._warn(
            warnings,
            number,
            key,
            "choice_unknown",
            _("“%(value)s” is not one of the choices: kept in the notes.") % {"value": value},
        )

    def _place(
        self,
        get: dict[str, Any],
        number: int,
        warnings: list[RowError],
        extra: list[str],
        head_name: str,
        name: str,
    ) -> tuple[tuple[Any, ...], bool]:
        """(the row's place, whether it gave no warning: then rows with the same cells share
        it); raises ``_RowRejected``."""

        def text(key: str) -> str:
            return _text(get, key)

        clean = True
        area = self.area
        place_given = False
        place_key = "grid" if text("grid") else "group" if text("group") else ""
        if place_key:
            found_area = self.finder.find(text(place_key))
            if found_area is not None:
                area = found_area
                place_given = True
            elif area.level in HOUSEHOLD_LEVELS:
                self._unknown(warnings, extra, number, place_key, text(place_key))
                clean = False
            else:
                raise _RowRejected(
                    self.column(place_key),
                    "area_unknown",
                    _("“%(value)s” is not a grid or group of %(area)s.")
                    % {"value": text(place_key), "area": self.area.name},
                )
        elif area.level not in HOUSEHOLD_LEVELS:
            raise _RowRejected(
                self.column("grid"),
                "area_required",
                _("Name the village grid or group: %(area)s is above village level.")
                % {"area": self.area.name},
            )
        address = text("address")
        if self.has_parts:
            composed = compose_address(
                text("address_estate"),
                text("address_building"),
                text("address_unit"),
                text("address_room"),
            )
            if composed and composed not in address:
                address = f"{address}{composed}"
        address = " ".join(address.split())[:200]
        household_number = normalise_text(text("household_number"))[:30]
        if not household_number and not address:
            raise _RowRejected(
                self.column("address"),
                "address_required",
                _("Give the address (or the household number) so the person has a household."),
            )
        if household_number:
            household_by = "number"
            household_key = (area.pk, household_number, "")
        elif head_name:
            household_by = "head"
            household_key = (area.pk, "", f"{head_name}|{address}")
        else:
            household_by = ""
            household_key = (area.pk, "", f"|{address}")
        assert area.pk is not None
        place = (household_key, household_by, area.pk, address or household_number)
        return place + (household_number, head_name or name, place_given), clean

    def parse_many(
        self, chunk: list[tuple[int, list[Any]]], plain: bool = False
    ) -> list[_Row | RowError | tuple[int, str]]:
        """Each row parsed; a row that holds no person (blank, 合计, a title, 填表人) is
        ``(number, kind)``: the workers classify the rows, not the process that reads them.
        ``plain``: every cell is a ``str`` the upload guard left as it was."""
        out: list[_Row | RowError | tuple[int, str]] = []
        append = out.append
        places: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.heads = {}
        parse = self.parse
        for number, cells in chunk:
            kind = row_kind(cells)
            if kind:
                append((number, kind))
                continue
            try:
                append(parse(number, cells, places, plain))
            except _RowRejected as rejected:
                append(RowError(number, rejected.column, rejected.code, rejected.message))
        return out

    def parse_chunk(
        self, chunk: list[tuple[int, list[Any]]] | csvblocks.Block
    ) -> list[_Row | RowError | tuple[int, str]]:
        """Rows as read by the writer, or a block of a CSV's records, read here (in a worker)."""
        if isinstance(chunk, csvblocks.Block):
            assert self.csv_layout is not None
            return self.parse_many(*csvblocks.read_block(chunk, self.csv_layout))
        return self.parse_many(chunk)

    # -- one row ---------------------------------------------------------------------------
    def _refuse_rejected_cell(self, cells: list[Any]) -> None:
        """Raise ``_RowRejected`` for the first mapped cell the upload guard replaced."""
        bad = uploads.cell_problem(cells, self.mapping)
        if bad is not None:
            col, cell = bad
            raise _RowRejected(self.column(self.mapping[col]), cell.code, cell.message)

    def parse(
        self,
        number: int,
        cells: list[Any],
        places: dict[tuple[Any, ...], tuple[Any, ...]],
        plain: bool = False,
    ) -> _Row:
        """One row. Run for every row of a register (a million, in a county), so the sheet's
        layout is worked out once in ``__init__``, the rare cases (an unknown choice, a warning)
        call out of line, and the values common to a household are read once per chunk."""
        if len(cells) >= self.width and self.take is not None:
            mapped = self.take(cells)
            if not plain and _any_rejected(mapped):
                self._refuse_rejected_cell(cells)
            get: dict[str, Any] = dict(zip(self.keys, mapped, strict=True))
        else:
            self._refuse_rejected_cell(cells)
            width = len(cells)
            get = {key: cells[col] for col, key in self.mapping.items() if col < width}
        warnings: list[RowError] = []
        extra: list[str] = []

        name = parse_name(get.get("name"))
        if not name:
            raise _RowRejected(self.column("name"), "name_required", _("The name is empty."))
        if len(name) > 50:
            raise _RowRejected(self.column("name"), "name_too_long", _("The name is too long."))
        lost_name = lost_characters(name)
        if lost_name:
            self._warn(
                warnings,
                number,
                "name",
                "name_lost_characters",
                _(
                    "The name holds “?”: a character was lost when the file was saved (save it "
                    "as UTF-8 or .xlsx). A name already registered is not replaced."
                ),
            )
        values: dict[str, Any] = {"name": name}

        # Choices as plain strings (not enum members): cheaper through the workers' pipe.
        id_type: str = RESIDENT_ID
        if self.has_id_type and "id_type" in get:
            kind, known = id_type_of(get.get("id_type"))
            id_type = IdType(kind).value
            if not known:
                self._unknown(warnings, extra, number, "id_type", _text(get, "id_type"))
        values["id_type"] = id_type
        raw_id = get.get("id_number")
        if id_type in GB11643_KINDS:
            try:
                id_number, upgraded = parse_id_number(raw_id, today=self.today)
            except ValidationError as error:
                raise _RowRejected(
                    self.column("id_number"), error.code or "id_invalid", error.messages[0]
                ) from error
            if upgraded:
                self._warn(
                    warnings,
                    number,
                    "id_number",
                    "id_upgraded",
                    _("A 15-digit ID number was upgraded to 18 digits (%(number)s…).")
                    % {"number": id_number[:6]},
                )
            values["birth_date"] = id_birth_date(id_number)
            values["sex"] = id_sex(id_number)
        else:
            try:
                id_number = parse_other_id(raw_id)
            except ValidationError as error:
                raise _RowRejected(
                    self.column("id_number"), error.code or "id_required", error.messages[0]
                ) from error
        values["id_number"] = id_number

        phone = ""
        if self.has_phone and "phone" in get:
            phone_cell = get["phone"]
            if type(phone_cell) is str and phone_cell.strip() or _text(get, "phone"):
                try:
                    phones = parse_phones(phone_cell)
                except ValidationError as error:
                    self._warn(
                        warnings, number, "phone", error.code or "phone_invalid", error.messages[0]
                    )
                else:
                    phone = phones.phone
                    values["phone"] = phone
                    if phones.extra:
                        extra.append(f"{self.column('phone')}：" + "、".join(phones.extra))
                        self._warn(
                            warnings,
                            number,
                            "phone",
                            "phone_more",
                            _(
                                "Only the first phone is the person's phone; the rest is in the "
                                "notes."
                            ),
                        )
            else:
                values["phone"] = ""

        relation = OTHER_RELATIONSHIP
        if self.has_relationship and "relationship" in get:
            # A sheet repeats a few words (户主, 配偶...): each cell read once per process.
            rel_cell = get["relationship"]
            rel_value = self.known_cells.get(("relationship", rel_cell))
            if rel_value is None:
                rel_text = normalise_text(_text(get, "relationship"))
                relationship = RELATIONSHIPS.get(rel_text)
                if relationship is None:
                    relationship = Relationship.OTHER
                    if rel_text:
                        self._unknown(
                            warnings, extra, number, "relationship", _text(get, "relationship")
                        )
                elif len(self.known_cells) < 10_000:
                    self.known_cells[("relationship", rel_cell)] = relationship.value
                rel_value = relationship.value
            values["relationship"] = relation = rel_value
        status = PERMANENT
        if self.has_status and "residence_status" in get and _text(get, "residence_status"):
            status_text = normalise_text(_text(get, "residence_status"))
            found_status = STATUSES.get(status_text) or next(
                (v for k, v in STATUSES.items() if k in status_text), None
            )
            if found_status is None:
                self._unknown(
                    warnings, extra, number, "residence_status", _text(get, "residence_status")
                )
            else:
                values["residence_status"] = status = found_status.value
        for flag in self.flag_keys:
            if flag in get:
                flag_cell = get[flag]
                flag_known = self.known_cells.get((FLAGS[0], flag_cell))
                if flag_known is not None:
                    values[flag] = flag_known
                    continue
                try:
                    values[flag] = parse_flag(flag_cell)
                except ValidationError:
                    self._unknown(warnings, extra, number, flag, _text(get, flag))
                else:
                    if len(self.known_cells) < 10_000:  # the same words for every flag column
                        self.known_cells[(FLAGS[0], flag_cell)] = values[flag]
        if id_type not in GB11643_KINDS:
            if "sex" in get and _text(get, "sex"):
                sex = SEXES.get(normalise_text(_text(get, "sex")))
                if sex is None:
                    self._unknown(warnings, extra, number, "sex", _text(get, "sex"))
                else:
                    values["sex"] = sex
            if "birth_date" in get:
                try:
                    values["birth_date"] = self.dates.read(get.get("birth_date"))
                except ValidationError as error:
                    self._warn(warnings, number, "birth_date", "date_invalid", error.messages[0])
        notes = ""
        if self.has_notes and "notes" in get:
            values["notes"] = notes = _text(get, "notes")[:1000]

        # Where the household is: a household's rows repeat the cells that say it, so a chunk
        # works it out once for them (and its rows share the one place object).
        head_cell = get.get("head_name")
        head_name = self.heads.get(head_cell) if head_cell is not None else ""
        if head_name is None:
            head_name = self.heads[head_cell] = parse_name(head_cell)[:50]
        if not head_name and relation == HEAD:
            head_name = name
        place_id = (*map(get.get, self.place_keys), head_name, head_name or name)
        place = places.get(place_id)
        if place is None:
            place, clean = self._place(get, number, warnings, extra, head_name, name)
            if clean:
                place = places.setdefault(place_id, place)
        # Both numbers are non-empty here (a phone only when one was read).
        id_index_ = crypto.blind_index(id_number, kind="id")
        if phone:
            phone_cipher = crypto.encrypt(phone)
            phone_index_ = crypto.blind_index(phone, kind="phone")
        else:
            phone_cipher = phone_index_ = ""
        v = values.get
        birth_date = v("birth_date")
        record = (
            relation,
            name,
            id_type,
            crypto.encrypt(id_number),
            id_index_,
            v("sex", ""),
            None if birth_date is None else self.adapt_date(birth_date),
            phone_cipher,
            phone_index_,
            status,
            v("low_income", False),
            v("elderly_alone", False),
            v("chronic_illness", False),
            v("pregnant", False),
            v("disabled", False),
            _Importer.notes(notes, tuple(extra)) if extra else notes,
            self.stamp,
            self.stamp,
        )
        return (
            number,
            id_index_,
            # The keys and the values apart: hashing a tuple of pairs costs ten times more.
            hash((place[P_KEY], tuple(values), tuple(values.values()))),
            place,
            (phone_cipher, phone_index_) if phone and relation == HEAD else None,
            record,
            tuple(warnings) if warnings else NO_WARNINGS,
            pickle.dumps((values, lost_name, tuple(extra)), protocol=pickle.HIGHEST_PROTOCOL)
            if self.details
            else None,
        )


class _Importer:
    """Writes parsed rows. Safe matching: a known ID number updates only a person whose
    household is inside the import's area (anyone else is refused, with no detail the user may
    not see); a person already registered stays in their household unless the sheet names
    another one (by household number, or by head + address); a household is created only for
    someone who moves into it."""

    def __init__(
        self, *, sheet: Sheet, area: Area, by: User | None, result: ImportResult, stamp: Any
    ) -> None:
        self.area = area
        assert area.county_id is not None
        self.county_id: int = area.county_id
        self.by = by
        self.result = result
        self.names = sheet.column_names
        # ID blind index → the hash of the row's content and the row number as one int (hash
        # << 32 | row): a million rows must not keep a million copies of their values (measured:
        # 3.3 GB peak with them), nor a million tuples.
        self.seen: dict[str, int] = {}
        # Existing households under the area: (area pk, number, head|address) → pk, and
        # (area pk, "", |address) → pk when one household alone has that address.
        self.households: dict[tuple[int, str, str], int | None] = {}
        self.in_area: set[int] = set()
        self.household_place: dict[int, tuple[int, str]] = {}  # pk → (area pk, address)
        for pk, area_id, number, head, address in Household.objects.in_area(area).values_list(
            "pk", "area_id", "number", "head_name", "address"
        ):
            self.in_area.add(pk)
            self.household_place[pk] = (area_id, address)
            if number:
                self.households.setdefault((area_id, number, ""), pk)
            self.households.setdefault((area_id, "", f"{head}|{address}"), pk)
            by_address = (area_id, "", f"|{address}")
            self.households[by_address] = None if by_address in self.households else pk
        self.now_db = stamp
        # A county with nobody registered yet (a first import) has nobody to look up.
        self.county_has_residents = Resident.objects.filter(county_id=self.county_id).exists()

    def column(self, key: str) -> str:
        return self.names.get(key, key)

    def reject(self, number: int, column: str, code: str, message: str) -> None:
        self.result.rejected += 1
        self.result.errors.append(RowError(row=number, column=column, code=code, message=message))

    def _target(
        self, place: tuple[Any, ...], person: Resident | None
    ) -> tuple[int | None, tuple[int, str, str]]:
        """The household the row's person belongs in, and the key of the household to create
        when there is none yet (the first is ``None``).

        A sheet that names no household head or number says only where a person lives: someone
        registered stays in their household while the address (and the grid, when the sheet has
        one) is theirs, and moves to the household at the new address otherwise."""
        key: tuple[int, str, str] = place[P_KEY]
        if not place[P_BY] and person is not None:
            area_id, address = self.household_place[person.household_id]
            if address == place[P_ADDRESS] and (not place[P_GIVEN] or area_id == place[P_AREA]):
                return person.household_id, key
            if not place[P_GIVEN]:
                key = (area_id, "", f"|{place[P_ADDRESS]}")
        return self.households.get(key), key

    @staticmethod
    def notes(base: str, extra: tuple[str, ...]) -> str:
        parts = [base] if base else []
        parts += [e for e in extra if e not in base]
        return "；".join(parts)[:1000]

    def _create_households(self, pending: dict[tuple[int, str, str], _Row]) -> None:
        """Insert the households these rows need (key → the first row that names it)."""
        if not pending:
            return
        households = self.households
        ids = bulk.reserve_ids(Household._meta.db_table, len(pending))
        records = []
        now = self.now_db
        for (key, row), pk in zip(pending.items(), ids, strict=True):
            place = row[R_PLACE]
            area_id, address, number, head = (
                key[0],
                place[P_ADDRESS],
                place[P_NUMBER],
                place[P_HEAD],
            )
            households[key] = pk
            households.setdefault((area_id, "", f"|{address}"), pk)
            if number:
                households.setdefault((area_id, number, ""), pk)
            households.setdefault((area_id, "", f"{head}|{address}"), pk)
            self.in_area.add(pk)
            self.household_place[pk] = (area_id, address)
            phone = row[R_HEAD_PHONE] or ("", "")
            records.append(
                (pk, self.county_id, area_id, number, address, head[:50], *phone, "", now, now)
            )
        bulk.insert_rows(
            Household._meta.db_table, HOUSEHOLD_COLUMNS, records, pg_types=HOUSEHOLD_PG_TYPES
        )
        self.result.households_created += len(pending)

    def _create(self, batch: list[_Row]) -> None:
        """A batch of rows of people nobody registered yet (the common case, and every row of a
        county's first import): new households, then the residents, in two inserts."""
        households = self.households
        pending: dict[tuple[int, str, str], _Row] = {}
        for row in batch:
            key = row[R_PLACE][P_KEY]
            if households.get(key) is None:
                pending.setdefault(key, row)
        self._create_households(pending)
        county = self.county_id
        warnings = self.result.warnings
        to_create = []
        for row in batch:
            if row[R_WARNINGS]:
                warnings.extend(row[R_WARNINGS])
            to_create.append((county, households[row[R_PLACE][P_KEY]], *row[R_RECORD]))
        self.result.created += len(to_create)
        bulk.insert_rows(
            Resident._meta.db_table, RESIDENT_COLUMNS, to_create, pg_types=RESIDENT_PG_TYPES
        )

    # -- a batch of rows -------------------------------------------------------------------
    def write(self, batch: list[_Row]) -> None:
        households = self.households
        existing: dict[str | None, Resident] = {}
        if self.county_has_residents:
            found = bulk.existing_residents(self.county_id, [row[R_INDEX] for row in batch])
            if found:
                existing = {r.id_number_index: r for r in Resident.objects.filter(pk__in=found)}
        if not existing:  # nobody of the batch is registered yet (the common case)
            self._create(batch)
            return
        placed: list[tuple[_Row, Resident | None, int | None, tuple[int, str, str]]] = []
        pending: dict[tuple[int, str, str], _Row] = {}
        for row in batch:
            person = existing.get(row[R_INDEX])
            if person is not None and person.household_id not in self.in_area:
                # Registered elsewhere in the county: nothing of that person is touched, and
                # the message says no more than the county's one-ID-one-person rule already
                # does.
                self.reject(
                    row[R_NUMBER],
                    self.column("id_number"),
                    "registered_elsewhere",
                    _("This ID number is already registered in another area."),
                )
                continue
            target, key = self._target(row[R_PLACE], person)
            if target is None:
                pending.setdefault(key, row)
            placed.append((row, person, target, key))
        # Households first (new ones in one insert, ids reserved up front), then residents.
        self._create_households(pending)
        to_create: list[tuple[Any, ...]] = []
        to_update: list[Resident] = []
        update_fields: set[str] = set()
        moved: list[int] = []  # residents who change household
        county = self.county_id
        warnings = self.result.warnings
        for row, person, target, key in placed:
            household_id = target if target is not None else households[key]
            assert household_id is not None
            if row[R_WARNINGS]:
                warnings.extend(row[R_WARNINGS])
            if person is None:
                to_create.append((county, household_id, *row[R_RECORD]))
                continue
            values, lost_name, notes_extra = pickle.loads(row[R_DETAIL])  # noqa: S301 - ours
            if lost_name:
                del values["name"]  # never replace a good name with one that lost characters
            if notes_extra or "notes" in values:
                values["notes"] = self.notes(values.get("notes", person.notes), notes_extra)
            changed = [k for k, v in values.items() if getattr(person, k) != v]
            if person.household_id != household_id:
                person.household_id = household_id
                changed.append("household")
                moved.append(person.pk)
            if not changed:
                self.result.unchanged += 1
                continue
            for name in changed:
                if name != "household":
                    setattr(person, name, values[name])
            if "phone" in changed:
                person.phone_index = phone_index(person.phone)
                changed.append("phone_index")
            update_fields.update(changed)
            to_update.append(person)
            self.result.updated += 1
        self.result.created += len(to_create)
        if to_create:
            bulk.insert_rows(
                Resident._meta.db_table, RESIDENT_COLUMNS, to_create, pg_types=RESIDENT_PG_TYPES
            )
        if to_update:
            Resident.objects.bulk_update(to_update, sorted(update_fields), batch_size=500)
            if moved:  # the apps that keep the household's area on their rows follow them
                places_changed.send(sender=Resident, households=[], residents=moved)

    def check_repeat(self, row: _Row) -> bool:
        """A repeated ID in the file: identical rows count once, conflicting ones are rejected."""
        # Rows of one file are parsed by one code path, so equal rows give equal item orders
        # (the workers are forked, so they hash as this process does).
        signature = row[R_SIGNATURE] & 0xFFFF_FFFF_FFFF_FFFF
        number = row[R_NUMBER]
        earlier = self.seen.get(row[R_INDEX])
        if earlier is None:
            self.seen[row[R_INDEX]] = signature << 32 | number
            return True
        if earlier >> 32 == signature:
            self.result.unchanged += 1
            return False
        self.reject(
            number,
            self.column("id_number"),
            "id_repeated",
            _("This ID number is already in row %(row)d of the file with other details.")
            % {"row": earlier & 0xFFFF_FFFF},
        )
        return False


def residents_import(
    *,
    source: Path | IO[bytes],
    filename: str,
    area: Area,
    by: User | None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    ip: str | None = None,
    workers: int = 1,
    sheet_name: str | None = None,
    columns: dict[str, str] | None = None,
) -> ImportResult:
    """Import a resident sheet into ``area``; raises ``SheetError`` when the file is unusable.

    ``workers`` > 1 validates and encrypts rows in that many forked processes while this one
    writes (for the command line; a threaded web server keeps the default 1). ``sheet_name``
    picks a worksheet (default: the one with the best header); ``columns`` is a user's column
    map (header → field, "" to ignore), e.g. a saved import profile."""
    if by is not None:
        require(by, area, Cap.REGISTER_WRITE)
    # The rows are classified (blank, 合计, titles) by the parser, in the workers.
    sheet = read_sheet(
        source,
        filename,
        aliases=ALIASES,
        sheet_name=sheet_name,
        columns=columns,
        row_filter=_every_row,
    )
    result = ImportResult(
        unmapped_columns=sheet.unmapped, dry_run=dry_run, sheet_name=sheet.sheet_name
    )
    if "id_number" not in sheet.mapping.values():
        raise SheetError(_("The sheet has no ID number column (身份证号)."))
    # The import keeps many small objects alive until it ends; the cycle collector would rescan
    # them again and again (measured: the duplicate check 7x slower with it), and reference
    # counting frees them anyway.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with transaction.atomic():
            _import_rows(
                source=source,
                sheet=sheet,
                area=area,
                by=by,
                result=result,
                progress=progress,
                workers=workers,
            )
            audit_record(
                user=by,
                action=AuditAction.IMPORT,
                area=area,
                rows=result.created + result.updated,
                ip=ip,
                detail=f"{filename}: {result.rows} rows, {result.created} created, "
                f"{result.updated} updated, {result.rejected} rejected"
                + (" (dry run)" if dry_run else ""),
            )
            if dry_run:
                transaction.set_rollback(True)
    finally:
        if collecting:
            gc.enable()
    result.skipped = [{"row": r.row, "kind": r.reason} for r in sheet.skipped]
    return result


def _every_row(cells: list[Any]) -> str:
    return ""


_WORKER_PARSER: _RowParser | None = None


def _parse_in_worker(
    chunk: list[tuple[int, list[Any]]] | csvblocks.Block,
) -> list[_Row | RowError | tuple[int, str]]:
    assert _WORKER_PARSER is not None  # set before the pool forks
    return _WORKER_PARSER.parse_chunk(chunk)


def _chunks(rows: Iterator[tuple[int, list[Any]]], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parsed_in_parallel(
    parser: _RowParser, chunks: Iterator[Any], workers: int
) -> Iterator[list[_Row | RowError | tuple[int, str]]]:
    """Parse chunks in forked workers, in order, with a bounded number in flight (memory).

    A ``ProcessPoolExecutor``, not a ``multiprocessing.Pool``: the pool's worker-handler thread
    waits on the result pipe too, so while a chunk's result (a few hundred kB) crosses the pipe
    it wakes again and again (measured: ~100 wake-ups a chunk, 90,000 in a 1M-row import), each
    taking the GIL from the writer, which is the import's one serial stage. The executor's one
    thread reads each result whole when it is ready."""
    global _WORKER_PARSER
    _WORKER_PARSER = parser
    # Workers collect their garbage (the parent switched the collector off for its own
    # long-lived objects; a worker keeps nothing between chunks).
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=gc.enable
    )
    try:
        in_flight: deque[Future[list[_Row | RowError | tuple[int, str]]]] = deque()
        for chunk in chunks:
            in_flight.append(pool.submit(_parse_in_worker, chunk))
            if len(in_flight) > workers * 2:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()
    finally:
        # On an error (or the writer giving up) the chunks not started are dropped.
        pool.shutdown(wait=True, cancel_futures=True)
        _WORKER_PARSER = None


def _import_rows(
    *,
    source: Path | IO[bytes],
    sheet: Sheet,
    area: Area,
    by: User | None,
    result: ImportResult,
    progress: Callable[[int], None] | None,
    workers: int,
) -> None:
    parser = _RowParser(sheet=sheet, area=area)
    bulk.check_constraints_now()
    importer = _Importer(sheet=sheet, area=area, by=by, result=result, stamp=parser.stamp)
    parser.details = importer.county_has_residents  # before the workers fork
    # A CSV is cut into blocks of records that the workers read themselves; other sheets (and
    # CSVs the cut does not fit) stream their rows from this process.
    parser.csv_layout = (
        csvblocks.layout_for(sheet, source, BATCH) if sheet.csv_dialect is not None else None
    )
    chunks: Iterator[Any]
    if parser.csv_layout is not None:
        close = getattr(sheet.rows, "close", None)
        if close is not None:
            close()  # the streamed reader is not used
        chunks = csvblocks.blocks(source, parser.csv_layout)
    else:
        chunks = _chunks(sheet.rows, BATCH)
    parsed_chunks = (
        _parsed_in_parallel(parser, chunks, workers)
        if workers > 1
        else map(parser.parse_chunk, chunks)
    )
    with bulk.roomy_cache():
        _write_chunks(
            parsed_chunks, sheet=sheet, importer=importer, result=result, progress=progress
        )


def _write_chunks(
    parsed_chunks: Iterator[list[_Row | RowError | tuple[int, str]]],
    *,
    sheet: Sheet,
    importer: _Importer,
    result: ImportResult,
    progress: Callable[[int], None] | None,
) -> None:
    for parsed in parsed_chunks:
        batch: list[_Row] = []
        for item in parsed:
            if isinstance(item, RowError):
                result.rows += 1
                result.rejected += 1
                result.errors.append(item)
            elif len(item) == 2:  # (number, kind): not a person
                if item[1] != "blank":
                    sheet.skipped.append(SkippedRow(item[0], item[1]))
            else:
                result.rows += 1
                if importer.check_repeat(item):
                    batch.append(item)
        if batch:
            importer.write(batch)
        if progress:
            progress(result.rows)
