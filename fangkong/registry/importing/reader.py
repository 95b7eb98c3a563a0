"""Reading a sheet: .xlsx/.xls through python-calamine, .csv in UTF-8 (BOM or not) or GBK/GB18030.

The header row is found even below title rows and merged cells, by scoring each of the first rows
against the column names villages really use; the columns it cannot map are reported.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from fangkong.core import uploads
from fangkong.core.uploads import SheetError

# Canonical field → the column names seen in village sheets (compared after normalisation).
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "居民姓名", "人员姓名", "成员姓名", "name"),
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "身份证",
        "证件号码",
        "证件号",
        "居民身份证号",
        "居民身份证号码",
        "idnumber",
    ),
    "id_type": ("证件类型", "证件种类"),
    "phone": ("联系电话", "手机号码", "手机号", "电话", "联系方式", "手机", "电话号码", "phone"),
    "head_name": ("户主姓名", "户主"),
    "relationship": ("与户主关系", "关系", "与户主的关系"),
    "address": ("家庭住址", "住址", "地址", "现住址", "居住地址", "家庭地址", "address"),
    "household_number": ("户号", "户编号", "户籍编号"),
    "group": ("组", "村民小组", "组别", "小组", "所在组", "楼栋", "楼栋号"),
    "grid": ("网格", "所属网格", "网格名称", "网格编号"),
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月"),
    "residence_status": ("居住状态", "人员类型", "居住情况", "常住/流动"),
    "low_income": ("低保", "是否低保", "低保户"),
    "elderly_alone": ("独居", "独居老人", "是否独居", "是否独居老人"),
    "chronic_illness": ("慢性病", "重病", "慢性病/重病", "是否慢性病", "重大疾病"),
    "pregnant": ("孕产妇", "是否孕产妇"),
    "disabled": ("残疾", "残疾人", "是否残疾"),
    "notes": ("备注", "说明"),
}


def alias_lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Column name (lower case) → canonical field."""
    return {alias.lower(): key for key, names in aliases.items() for alias in names}


_LOOKUP = alias_lookup(ALIASES)
HEADER_SCAN_ROWS = 20
_BRACKETS = re.compile(r"[（(【\[].*?[)）】\]]")


def normalise_header(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = _BRACKETS.sub("", text)
    return re.sub(r"[\s*:：]+", "", text).lower()


@dataclass
class Sheet:
    headers: list[str]  # as written in the file
    mapping: dict[int, str]  # column index → canonical field
    unmapped: list[str]  # header texts we could not map
    header_row: int  # 1-based row number of the header, as Excel shows it
    rows: Iterator[tuple[int, list[Any]]]  # (Excel row number, cells), blank rows skipped
    column_names: dict[str, str] = field(default_factory=dict)  # canonical → header text


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


CSV_SAMPLE = 1 << 20


def _csv_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the first megabyte decodes as UTF-8, else GB18030 (a
    superset of GBK that decodes any byte sequence)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _csv_rows(source: Path | IO[bytes]) -> Iterator[list[str]]:
    """Rows streamed from the file (a county's CSV is not read into memory at once)."""
    binary: IO[bytes] = source.open("rb") if isinstance(source, Path) else source
    sample = binary.read(CSV_SAMPLE)
    encoding = _csv_encoding(sample)
    head = sample.decode(encoding, errors="replace")[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(head, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    stream = io.TextIOWrapper(
        io.BufferedReader(_Prefixed(sample, binary)), encoding=encoding, newline=""
    )
    try:
        yield from csv.reader(stream, dialect)
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


def _excel_rows(source: Path | IO[bytes], suffix: str) -> Iterator[list[Any]]:
    # Parsed in a memory-limited child process, after the declared dimensions are checked.
    yield from uploads.excel_rows(source, suffix)


def read_sheet(
    source: Path | IO[bytes], filename: str, *, aliases: dict[str, tuple[str, ...]] | None = None
) -> Sheet:
    """Open a sheet and find its header; the data rows are streamed, not loaded at once.

    ``aliases`` (canonical field → column names) reads another kind of list with the same header
    detection (screening's 协查名单); the register's columns by default."""
    lookup = _LOOKUP if aliases is None else alias_lookup(aliases)
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        rows: Iterator[list[Any]] = _csv_rows(source)
    elif suffix in {".xlsx", ".xlsm", ".xls"}:
        rows = _excel_rows(source, suffix)
    else:
        raise SheetError(_("Upload an .xlsx, .xls or .csv file (got “%s”).") % filename)
    rows = uploads.bounded_rows(rows)  # rows, columns, cell lengths and NUL bytes

    head: list[list[Any]] = []
    best_row, best_score = -1, 0
    for index, row in enumerate(rows):
        head.append(row)
        score = len({lookup.get(normalise_header(c)) for c in row} - {None})
        has_name = any(lookup.get(normalise_header(c)) == "name" for c in row)
        if has_name and score > best_score:
            best_row, best_score = index, score
        if index + 1 >= HEADER_SCAN_ROWS:
            break
    if best_row < 0 or best_score < 2:
        raise SheetError(
            _(
                "No header row found in the first %(n)d rows: a header needs at least a name "
                "column (姓名) and an ID number column (身份证号)."
            )
            % {"n": HEADER_SCAN_ROWS}
        )
    headers = [_cell_text(c) for c in head[best_row]]
    mapping: dict[int, str] = {}
    unmapped: list[str] = []
    for col, text in enumerate(headers):
        key = lookup.get(normalise_header(text))
        if key is None or key in mapping.values():
            if text:
                unmapped.append(text)
            continue
        mapping[col] = key

    def data_rows() -> Iterator[tuple[int, list[Any]]]:
        number = best_row + 1
        for row in head[best_row + 1 :]:
            number += 1
            if any(_cell_text(c) for c in row):
                yield number, row
        for row in rows:
            number += 1
            if any(_cell_text(c) for c in row):
                yield number, row

    return Sheet(
        headers=headers,
        mapping=mapping,
        unmapped=unmapped,
        header_row=best_row + 1,
        rows=data_rows(),
        column_names={key: headers[col] for col, key in mapping.items()},
    )


def cell_text(value: Any) -> str:
    return _cell_text(value)


def count_rows(path: Path) -> int:
    """How many rows the file has (title and header included): for a progress bar's maximum."""
    if path.suffix.lower() == ".csv":
        with path.open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    # Not parsed here (that is the bounded reader's job): what the sheet declares.
    return uploads.declared_rows(path)
