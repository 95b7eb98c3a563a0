"""Reading a sheet (the one reading layer every importer shares): .xlsx/.xls through python-calamine, .csv in UTF-8 (BOM or not) or GBK/GB18030.

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


def alias_lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Column name (lower case) → canonical field."""
    return {alias.lower(): key for key, names in aliases.items() for alias in names}


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
    source: Path | IO[bytes], filename: str, *, aliases: dict[str, tuple[str, ...]]
) -> Sheet:
    """Open a sheet and find its header; the data rows are streamed, not loaded at once.

    ``aliases`` (canonical field → column names) says which kind of list this is: the register's
    columns (registry.importing.columns), a reconciliation list's, the area tree's..."""
    lookup = alias_lookup(aliases)
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
