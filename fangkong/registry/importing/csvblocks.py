"""A CSV register cut into blocks of whole records, for the import's workers to parse.

The one process that writes an import should not also decode and parse every row of the sheet
and pickle it to a worker (measured: 8 µs a row of its CPU, the part of the import no worker
shares). It cuts the file's bytes at record ends instead, with ``bytes`` methods that run in C,
and counts each block's records (the first row number of the next block); a worker decodes the
block and reads it with the ``csv`` module, in the dialect and encoding ``read_sheet`` found, so
the rows, their numbers and their errors are the ones the streamed reader gives.

Exact for the encodings ``read_sheet`` picks for a CSV other than UTF-16: UTF-8 (with or without
BOM) and GB18030 (GBK): in both, the bytes of a quote, a delimiter (, ; tab) and a line end never
occur inside a multi-byte character. A record ends at a CR, an LF or a CR LF outside a quoted
field; a quoted field follows the csv module's own rules: it opens with a quote at the start of a
field only (a quote inside an unquoted field is a character), and closes at the next quote that
is not doubled (with the dialect's ``doublequote``; without it, at the next quote). Anything
else (UTF-16, a file whose lines end in CR alone, an unusual dialect) is read as before.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from fangkong.core import uploads
from fangkong.core.sheets import Sheet, SheetError

_BLOCK_MIN, _BLOCK_MAX = 16 * 1024, 4 * 1024 * 1024
_WINDOW = 1 << 20  # what is read to find the header's end (the reader's sniffing sample)
_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030"}


@dataclass(frozen=True)
class CsvLayout:
    """Where a CSV's data rows start and how to read them."""

    encoding: str  # for a block (a BOM is only at the file's start, before the header)
    reader: dict[str, Any]  # the csv.reader arguments of the sniffed dialect
    quoted: re.Pattern[bytes]  # a quoted field, from its opening quote to its closing one
    data_start: int  # byte offset of the first record after the header
    header_records: int  # the records before it (the first data row is number + 1)
    block_bytes: int  # about ``rows_per_block`` rows


@dataclass(frozen=True)
class Block:
    data: bytes  # whole records
    before: int  # records of the sheet before this block
    records: int  # records in it


def _reader_args(dialect: Any) -> dict[str, Any] | None:
    d = csv.get_dialect(dialect) if isinstance(dialect, str) else dialect
    if (
        d is None
        or d.delimiter not in (",", "\t", ";")
        or d.quotechar != '"'
        or d.escapechar is not None
        or d.skipinitialspace
        or d.quoting == csv.QUOTE_NONE
    ):
        return None
    return {
        "delimiter": d.delimiter,
        "quotechar": '"',
        "doublequote": bool(d.doublequote),
        "escapechar": None,
        "skipinitialspace": False,
        "quoting": d.quoting,
        "strict": False,
    }


def _quoted_pattern(delimiter: str, doublequote: bool) -> re.Pattern[bytes]:
    """A quoted field: a quote at the start of the block or after a delimiter or a line end,
    up to its closing quote (or the end of the block, still open). Matches are found left to
    right without overlapping, so a quote inside an earlier quoted field never opens one."""
    body = rb'(?:[^"]|"")*' if doublequote else rb'[^"]*'
    start = rb"(?:^|(?<=[" + re.escape(delimiter.encode()) + rb"\r\n]))"
    return re.compile(start + rb'"' + body + rb'(?:"|\Z)')


def layout_for(sheet: Sheet, source: Path | IO[bytes], rows_per_block: int) -> CsvLayout | None:
    """How to cut ``sheet`` (as ``read_sheet`` read it) into blocks, or None to read it row by
    row as before. A stream is read from its start, as ``read_sheet`` did."""
    encoding = _ENCODINGS.get(sheet.encoding)
    reader = _reader_args(sheet.csv_dialect) if sheet.csv_dialect is not None else None
    if encoding is None or reader is None:
        return None
    if not isinstance(source, Path) and not (hasattr(source, "seek") and source.seekable()):
        return None
    window = _read_at(source, 0, _WINDOW)
    if b"\r" in window and b"\n" not in window:
        return None  # lines end in CR alone: no LF to cut at
    quoted = _quoted_pattern(reader["delimiter"], reader["doublequote"])
    spans = _spans(quoted, window)
    position = 0
    for _record in range(sheet.header_row):
        position = _record_end(window, position, spans)
        if position < 0:
            return None  # a header longer than the sniffing sample: unusual, read as before
    lines = window.count(b"\n", position) or 1
    per_row = (len(window) - position) / lines
    block_bytes = int(min(max(per_row * rows_per_block, _BLOCK_MIN), _BLOCK_MAX))
    return CsvLayout(encoding, reader, quoted, position, sheet.header_row, block_bytes)


def _read_at(source: Path | IO[bytes], offset: int, size: int) -> bytes:
    if isinstance(source, Path):
        with source.open("rb") as fh:
            fh.seek(offset)
            return fh.read(size)
    source.seek(offset)
    return source.read(size)


def _spans(quoted: re.Pattern[bytes], data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every quoted field of ``data``, which starts at a record's start."""
    if b'"' not in data:
        return []
    return [m.span() for m in quoted.finditer(data)]


def _inside(spans: list[tuple[int, int]], starts: list[int], position: int) -> int:
    """The start of the quoted field holding ``position``, or -1."""
    i = bisect.bisect_right(starts, position) - 1
    if i >= 0 and spans[i][0] < position < spans[i][1]:
        return spans[i][0]
    return -1


def _record_end(data: bytes, position: int, spans: list[tuple[int, int]]) -> int:
    """The offset just after the record starting at ``position`` (-1: not within ``data``)."""
    starts = [s for s, _e in spans]
    while True:
        lf, cr = data.find(b"\n", position), data.find(b"\r", position)
        ends = [e for e in (lf, cr) if e >= 0]
        if not ends:
            return -1
        end = min(ends)
        if _inside(spans, starts, end) >= 0:
            position = end + 1
            continue
        if data[end] == 13:  # CR: a CR LF ends the record after the LF
            if end + 1 >= len(data):
                return -1  # the LF may follow
            return end + 2 if data[end + 1] == 10 else end + 1
        return end + 1


def _terminators(data: bytes, start: int, end: int) -> int:
    return (
        data.count(b"\n", start, end)
        + data.count(b"\r", start, end)
        - data.count(b"\r\n", start, end)
    )


def _cut(data: bytes, spans: list[tuple[int, int]]) -> int:
    """The end of the last whole record of ``data`` (just after an LF outside quotes), or 0."""
    starts = [s for s, _e in spans]
    # The last quoted field may still be open at the end of the data (it ends beyond it).
    cut = data.rfind(b"\n")
    while cut >= 0:
        opened = _inside(spans, starts, cut)
        if opened < 0:
            return cut + 1
        cut = data.rfind(b"\n", 0, opened)
    return 0


def _records(data: bytes, end: int, spans: list[tuple[int, int]], final: bool) -> int:
    """Records in ``data[:end]``: line ends outside quoted fields (a CR LF is one), and the last
    record of the file when it has no line end."""
    count = _terminators(data, 0, end)
    for start, stop in spans:
        if start >= end:
            break
        if stop > start + 1:
            count -= _terminators(data, start, min(stop, end))
    if final and end and (data[end - 1] not in (10, 13) or _inside_end(spans, end)):
        count += 1
    return count


def _inside_end(spans: list[tuple[int, int]], end: int) -> bool:
    """Whether the data ends inside a quoted field left open (its line ends are the field's)."""
    return bool(spans) and spans[-1][1] == end and spans[-1][0] < end - 1


def blocks(source: Path | IO[bytes], layout: CsvLayout) -> Iterator[Block]:
    """The data records of the CSV in blocks of whole records, in order, with their counts."""
    handle: IO[bytes] = source.open("rb") if isinstance(source, Path) else source
    try:
        handle.seek(layout.data_start)
        before = layout.header_records
        pending = b""
        while True:
            # A record longer than a block (an unclosed quote...): read as much again, so the
            # copies of the pending bytes stay proportional to the file.
            more = handle.read(max(layout.block_bytes, len(pending)))
            data = pending + more if pending else more
            if not more:  # the end of the file: the rest is the last block
                if data:
                    spans = _spans(layout.quoted, data)
                    count = _records(data, len(data), spans, final=True)
                    yield Block(data, before, count)
                return
            spans = _spans(layout.quoted, data)
            cut = _cut(data, spans)
            if not cut:
                pending = data  # no whole record yet: read on
                continue
            count = _records(data, cut, spans, final=False)
            yield Block(data[:cut], before, count)
            before += count
            pending = data[cut:]
    finally:
        if isinstance(source, Path):
            handle.close()


def _checked(
    text: str, block: Block, layout: CsvLayout
) -> tuple[list[tuple[int, list[Any]]], bool]:
    """The block's numbered rows, and whether every cell is a plain ``str`` (no cell replaced
    by the guard): the upload guard's checks done on the whole block at once (in C) when nothing
    is over a limit, else row by row by the guard itself (its errors, its replaced cells)."""
    start = block.before
    if "\x00" not in text:
        cells: list[list[str]] = []
        try:
            cells.extend(csv.reader(io.StringIO(text, newline=""), **layout.reader))
        except csv.Error:
            pass  # the guard reports it, with its row number
        else:
            if (
                start + len(cells) <= uploads.max_rows()
                and max(map(len, cells), default=0) <= uploads.max_columns()
                and max(map(len, chain.from_iterable(cells)), default=0) <= uploads.max_cell_chars()
            ):
                return list(enumerate(cells, start=start + 1)), True
    reader = csv.reader(io.StringIO(text, newline=""), **layout.reader)
    return list(enumerate(uploads.bounded_rows(reader, start=start), start=start + 1)), False


def block_rows(block: Block, layout: CsvLayout) -> list[tuple[int, list[Any]]]:
    """The rows of a block as the streamed reader gives them: (row number, cells), checked by
    the upload guard (limits, NUL bytes) with the sheet's own row numbers."""
    return read_block(block, layout)[0]


def read_block(block: Block, layout: CsvLayout) -> tuple[list[tuple[int, list[Any]]], bool]:
    """``block_rows``, and whether every cell is a plain ``str`` the guard left as it was (then
    the importer need not look for replaced cells)."""
    try:
        text = block.data.decode(layout.encoding)
    except UnicodeDecodeError as error:
        raise SheetError(
            _("The file changes its text encoding part way; save it again as UTF-8 or GBK.")
        ) from error
    rows, plain = _checked(text, block, layout)
    if len(rows) != block.records:  # the cut and the reader disagree: never guess row numbers
        raise RuntimeError(
            f"CSV block at record {block.before}: {len(rows)} records read, {block.records} cut"
        )
    return rows, plain
