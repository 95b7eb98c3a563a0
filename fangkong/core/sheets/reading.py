"""Reading a sheet, the one reading layer every importer shares.

- Formats: .xlsx/.xlsm/.xls through python-calamine; .csv in UTF-8 (BOM or not), UTF-16 (Excel's
  "Unicode text", with its BOM, tab separated), GBK/GB18030 (Excel's default CSV on Chinese Windows).
- Every worksheet is considered: templates often put 填表说明 first; the sheet whose header scores
  best wins, or the caller names one.
- The header row is found below title rows by scoring the first rows against an importer's column
  dictionary; a two-row grouped header (联系方式 over 手机号码 + 家庭住址) is read as one.
- Vertically merged data cells (an address or a household head merged over a household's rows) are
  filled down; blank rows, totals (合计), section titles (一组) and the 填表人 footer are skipped and
  reported as information, not as bad people.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from fangkong.core import uploads
from fangkong.core.uploads import SheetError

HEADER_SCAN_ROWS = 20
CSV_SAMPLE = 1 << 20
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
IGNORE = ""  # a column a user chose not to read (in a column map)
_BRACKETS = re.compile(r"[（(【\[].*?[)）】\]]")
_HEADER_JUNK = re.compile(r"[\s*:：#№]+")


def normalise_header(value: object) -> str:
    """A header as compared with the dictionary: NFKC, no notes in brackets, no blanks or marks,
    lower case (``现住址（详细到门牌号）`` → ``现住址``)."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    stripped = _BRACKETS.sub("", text)
    return _HEADER_JUNK.sub("", stripped or text).lower()


def alias_lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised column name → canonical field (the first field that lists a name keeps it)."""
    lookup: dict[str, str] = {}
    for key, names in aliases.items():
        for alias in names:
            lookup.setdefault(normalise_header(alias), key)
    return lookup


def alias_rank(aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Normalised column name → its place in its field's tuple (lower is preferred)."""
    rank: dict[str, int] = {}
    for names in aliases.values():
        for position, alias in enumerate(names):
            rank.setdefault(normalise_header(alias), position)
    return rank


@dataclass
class SkippedRow:
    row: int
    reason: str  # total | section | footer


@dataclass
class Sheet:
    headers: list[str]  # as written in the file (a two-row header joined: 联系方式/手机号码)
    mapping: dict[int, str]  # column index → canonical field
    unmapped: list[str]  # header texts we could not map
    header_row: int  # 1-based row number of the (last) header row, as Excel shows it
    rows: Iterator[tuple[int, list[Any]]]  # (Excel row number, cells), skipped rows left out
    column_names: dict[str, str] = field(default_factory=dict)  # canonical → header text
    sheet_name: str = ""  # the worksheet read ("" for a CSV)
    sheet_names: list[str] = field(default_factory=list)  # every worksheet of the workbook
    encoding: str = ""  # a CSV's text encoding
    csv_dialect: Any = None  # a CSV's dialect, as sniffed (csv.Dialect or a registered name)
    skipped: list[SkippedRow] = field(default_factory=list)  # filled as ``rows`` is walked
    header_keys: list[str] = field(default_factory=list)  # normalised header per column


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, surrounding blanks removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


_cell_text = cell_text


# -- CSV -----------------------------------------------------------------------------------------


def csv_encoding(sample: bytes) -> str:
    """The encoding of a CSV from its first bytes: a BOM decides (UTF-8, UTF-16 LE/BE); NUL bytes
    in every other place mean UTF-16 without BOM; else UTF-8 when it decodes, else GB18030 (a
    superset of GBK that decodes any byte sequence)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # A text file holds no NUL byte unless it is UTF-16: its separators and line ends are
    # ",\0" "\t\0" "\n\0" (little endian) even when every other character is Chinese.
    probe = sample[: 4096 - 4096 % 2]
    if 0 in probe:
        for encoding in ("utf-16-le", "utf-16-be"):
            text = probe.decode(encoding, errors="replace")
            if any(mark in text for mark in ("\n", ",", "\t")):
                return encoding
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _csv_rows(source: Path | IO[bytes], encoding_box: list[Any]) -> Iterator[list[str]]:
    """Rows streamed from the file (a county's CSV is not read into memory at once);
    ``encoding_box`` receives the encoding, then the dialect."""
    binary: IO[bytes] = source.open("rb") if isinstance(source, Path) else source
    try:
        sample = binary.read(CSV_SAMPLE)
        encoding = csv_encoding(sample)
        encoding_box.append(encoding)
        cut = len(sample) - (len(sample) % 2) if encoding.startswith("utf-16") else len(sample)
        head = sample[: min(cut, 8192)].decode(encoding, errors="replace")
        try:
            dialect: Any = csv.Sniffer().sniff(head.lstrip("\ufeff")[:4096], delimiters=",\t;")
        except csv.Error:
            dialect = "excel-tab" if "\t" in head and "," not in head else csv.excel
        encoding_box.append(dialect)
        stream = io.TextIOWrapper(
            io.BufferedReader(_Prefixed(sample, binary)), encoding=encoding, newline=""
        )
        try:
            first = True
            for row in csv.reader(stream, dialect):
                if first and row and row[0].startswith("\ufeff"):
                    row[0] = row[0][1:]
                first = False
                yield row
        except UnicodeDecodeError as error:
            raise SheetError(
                _("The file changes its text encoding part way; save it again as UTF-8 or GBK.")
            ) from error
    finally:
        if isinstance(source, Path):
            binary.close()


class _Prefixed(io.RawIOBase):
    """The bytes already read for sniffing, then the rest of the file."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# -- Excel ---------------------------------------------------------------------------------------


def _workbook(source: Path | IO[bytes], suffix: str) -> Any:
    from python_calamine import CalamineWorkbook

    # Size, zip and declared dimensions, then a memory-limited child parses it first: a zip bomb
    # or a sparse range kills the child, never this process (fangkong.core.uploads).
    uploads.check_workbook(source, suffix)
    try:
        if isinstance(source, Path):
            return CalamineWorkbook.from_path(str(source))
        source.seek(0)
        return CalamineWorkbook.from_filelike(source)
    except Exception as error:
        raise SheetError(_("The file cannot be read as an Excel workbook: %s") % error) from error


def _excel_rows(sheet: Any) -> Iterator[list[Any]]:
    """A worksheet's rows with vertically merged cells filled down (the value sits in the top
    cell of a merge; the rows below it belong to the same household)."""
    fills: dict[int, list[tuple[int, int]]] = {}  # row → [(col, source row)]
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - an .xls/.ods without merge information
        ranges = []
    start_row, start_col = sheet.start or (0, 0)
    for (r0, c0), (r1, c1) in ranges:
        if r1 > r0:
            for r in range(r0 + 1, r1 + 1):
                fills.setdefault(r - start_row, []).extend(
                    (c - start_col, r0 - start_row) for c in range(c0, c1 + 1)
                )
    if not fills:
        yield from sheet.iter_rows()
        return
    kept: dict[int, list[Any]] = {}  # rows that are the top of a merge, while still needed
    needed = {src for targets in fills.values() for _c, src in targets}
    last_needed = dict.fromkeys(needed, 0)
    for r, targets in fills.items():
        for _c, src in targets:
            last_needed[src] = max(last_needed[src], r)
    for index, row in enumerate(sheet.iter_rows()):
        for col, src in fills.get(index, ()):
            top = kept.get(src)
            if top is not None and col < len(top) and col >= 0:
                while len(row) <= col:
                    row.append("")
                if row[col] in ("", None):
                    row[col] = top[col]
        if index in needed:
            kept[index] = list(row)
        for src in [s for s in kept if last_needed[s] <= index]:
            del kept[src]
        yield row


# -- header detection ----------------------------------------------------------------------------


@dataclass
class _Header:
    score: int
    row: int  # 0-based index of the last header row
    texts: list[str]
    keys: list[str]  # normalised
    fields: list[str | None]


def _header_for(
    rows: list[list[Any]], index: int, lookup: dict[str, str], two_rows: bool
) -> _Header:
    top = [cell_text(c) for c in rows[index]]
    if not two_rows:
        keys = [normalise_header(t) for t in top]
        fields = [lookup.get(k) for k in keys]
        return _Header(len(set(fields) - {None}), index, top, keys, fields)
    sub = [cell_text(c) for c in rows[index + 1]]
    width = max(len(top), len(sub))
    top += [""] * (width - len(top))
    sub += [""] * (width - len(sub))
    # A group title spans the blank cells to its right (a horizontal merge).
    group = ""
    texts, keys, fields = [], [], []
    for col, (t, s) in enumerate(zip(top, sub, strict=True)):
        if t:
            group = t
        elif not s:
            group = ""
        sub_field = lookup.get(normalise_header(s)) if s else None
        top_field = lookup.get(normalise_header(t)) if t else None
        # Under a group title (one that spans the blank top cells to its right) the sub-header
        # names the column; a top header that names a field by itself keeps it.
        spans = col + 1 < width and not top[col + 1] and bool(sub[col + 1])
        if s and (not t or spans or not top_field):
            texts.append(f"{group}/{s}" if group and group != s else s)
            keys.append(normalise_header(s))
            fields.append(sub_field)
        else:
            texts.append(t)
            keys.append(normalise_header(t))
            fields.append(top_field)
    return _Header(len(set(fields) - {None}), index + 1, texts, keys, fields)


def _best_header(
    head: list[list[Any]], lookup: dict[str, str], required: tuple[str, ...]
) -> _Header | None:
    best: _Header | None = None
    for index in range(len(head)):
        options = [_header_for(head, index, lookup, False)]
        if index + 1 < len(head):
            # Two rows only when they name more fields than either row alone (a title above
            # the header is not a group title).
            both = _header_for(head, index, lookup, True)
            if both.score > max(
                options[0].score, _header_for(head, index + 1, lookup, False).score
            ):
                options.append(both)
        for option in options:
            if not all(key in option.fields for key in required):
                continue
            if best is None or option.score > best.score:
                best = option
    return best


# -- rows that are not people --------------------------------------------------------------------

_TOTAL = re.compile(r"^(合计|总计|小计|共计|累计|total)", re.IGNORECASE)
_FOOTER = re.compile(
    r"^(填表人|填报人|制表人|审核人|审核|统计人|负责人|联系人|联系电话|填表日期|填报日期|"
    r"填报时间|制表日期|报送日期|填报单位|填表单位|单位(盖章)?|注[:：]|说明[:：]|备注[:：])"
)

_SECTION = re.compile(r"[组栋楼网格村社区单元、：:]|人员|名单|^[一二三四五六七八九十]+$")
# Both starts in one match (every row is tested): group 1 a total, else a footer.
_TOTAL_OR_FOOTER = re.compile(f"{_TOTAL.pattern[1:]}|{_FOOTER.pattern[1:]}", re.IGNORECASE)


def row_kind(cells: list[Any]) -> str:
    """'' for a row that may hold a person; 'total', 'footer' or 'section' for one that does not
    (合计 rows, 填表人/审核人 lines, a title such as 一组 or 一、返乡人员 alone on its row)."""
    try:  # a row of text cells (every CSV row): str.strip is cell_text for them
        texts = list(filter(None, map(str.strip, cells)))
    except TypeError:
        texts = [t for t in map(cell_text, cells) if t]
    if not texts:
        return "blank"
    first = unicodedata.normalize("NFKC", texts[0]).replace(" ", "")
    start = _TOTAL_OR_FOOTER.match(first)
    if start is not None:
        return "total" if start.group(1) is not None else "footer"
    if (
        (len(texts) == 1 or texts[0] == texts[-1])
        and len(set(texts)) == 1
        and (len(texts[0]) > 6 or _SECTION.search(texts[0]))
    ):
        return "section"
    return ""


# -- the sheet -----------------------------------------------------------------------------------


def read_sheet(
    source: Path | IO[bytes],
    filename: str,
    *,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...] = ("name",),
    sheet_name: str | None = None,
    columns: dict[str, str] | None = None,
    row_filter: Callable[[list[Any]], str] = row_kind,
) -> Sheet:
    """Open a sheet and find its header; the data rows are streamed, not loaded at once.

    ``aliases`` (canonical field → column names) says which kind of list this is (the register's
    columns, a reconciliation list's, the area tree's...). ``columns`` (normalised header →
    field, or ``IGNORE``) is a user's column map, applied over the dictionary. ``sheet_name``
    picks a worksheet; by default the one whose header scores best."""
    lookup = alias_lookup(aliases)
    if columns:
        lookup |= {normalise_header(k): v for k, v in columns.items()}
        lookup = {k: v for k, v in lookup.items() if v != IGNORE}
    suffix = Path(filename).suffix.lower()
    sheet_names: list[str] = []
    encoding_box: list[Any] = []
    if suffix == ".csv":
        candidates: list[tuple[str, Iterator[list[Any]]]] = [("", _csv_rows(source, encoding_box))]
        uploads.check_size(source.stat().st_size if isinstance(source, Path) else None)
    elif suffix in EXCEL_SUFFIXES:
        workbook = _workbook(source, suffix)
        sheet_names = list(workbook.sheet_names)
        if sheet_name is not None and sheet_name not in sheet_names:
            raise SheetError(_("The workbook has no sheet named “%s”.") % sheet_name)
        names = [sheet_name] if sheet_name is not None else sheet_names
        candidates = []
        for name in names:
            try:
                candidates.append(
                    (name, uploads.bounded_rows(_excel_rows(workbook.get_sheet_by_name(name))))
                )
            except Exception as error:  # noqa: BLE001 - a chart sheet, a broken sheet
                if sheet_name is not None:
                    raise SheetError(
                        _("The file cannot be read as an Excel workbook: %s") % error
                    ) from error
    else:
        raise SheetError(_("Upload an .xlsx, .xls or .csv file (got “%s”).") % filename)

    if suffix == ".csv":  # rows, columns, cell lengths and NUL bytes, as the rows stream
        candidates = [(name, uploads.bounded_rows(rows)) for name, rows in candidates]
    best: tuple[_Header, str, list[list[Any]], Iterator[list[Any]]] | None = None
    for name, rows in candidates:
        head: list[list[Any]] = []
        for row in rows:
            head.append(row)
            if len(head) >= HEADER_SCAN_ROWS:
                break
        header = _best_header(head, lookup, required)
        if header is not None and (best is None or header.score > best[0].score):
            best = (header, name, head, rows)
    if best is None or best[0].score < 2:
        raise SheetError(
            _(
                "No header row found in the first %(n)d rows: a header needs at least a name "
                "column (姓名) and an ID number column (身份证号)."
            )
            % {"n": HEADER_SCAN_ROWS}
        )
    header, chosen, head, rows = best
    # Two columns for one field: the better name wins (现住址 over 户籍地; a user's choice
    # over the dictionary), the other is reported as not read.
    rank = alias_rank(aliases)
    chosen_rank = {normalise_header(k): -1 for k in (columns or {})}
    by_field: dict[str, int] = {}
    for col, key in enumerate(header.fields):
        if key is None:
            continue
        here = chosen_rank.get(header.keys[col], rank.get(header.keys[col], 999))
        there = by_field.get(key)
        if there is None or here < chosen_rank.get(
            header.keys[there], rank.get(header.keys[there], 999)
        ):
            by_field[key] = col
    mapping = {col: key for key, col in sorted(by_field.items(), key=lambda kv: kv[1])}
    unmapped = [t for col, t in enumerate(header.texts) if t and col not in mapping]
    skipped: list[SkippedRow] = []

    def data_rows() -> Iterator[tuple[int, list[Any]]]:
        number = header.row + 1
        for source_rows in (head[header.row + 1 :], rows):
            for row in source_rows:
                number += 1
                kind = row_filter(row)
                if not kind:
                    yield number, row
                elif kind != "blank":
                    skipped.append(SkippedRow(number, kind))

    return Sheet(
        headers=header.texts,
        mapping=mapping,
        unmapped=unmapped,
        header_row=header.row + 1,
        rows=data_rows(),
        column_names={key: header.texts[col] for col, key in mapping.items()},
        sheet_name=chosen,
        sheet_names=sheet_names,
        encoding=encoding_box[0] if encoding_box else "",
        csv_dialect=encoding_box[1] if len(encoding_box) > 1 else None,
        skipped=skipped,
        header_keys=header.keys,
    )


def count_rows(path: Path, sheet_name: str | None = None) -> int:
    """How many rows the file has (title and header included): for a progress bar's maximum."""
    if path.suffix.lower() == ".csv":
        with path.open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    # Not parsed here (that is the bounded reader's job): what the sheet declares.
    return uploads.declared_rows(path)
