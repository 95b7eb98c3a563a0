"""Bounds on uploaded sheets, checked before a reader allocates anything for them.

A sheet comes from anyone who may import (a grid worker), so its size is not trusted:

- the file: at most ``FANGKONG_UPLOAD_MAX_MB`` (stored 0600 in a 0700 directory, removed when the
  import ends or when it expires);
- an .xlsx: the zip's declared sizes and compression ratios are checked, and the sheet's declared
  ``<dimension>`` (a single cell at XFD1048576 declares 17 billion cells) before any parsing;
- every workbook (.xlsx, .xls) is then parsed in a child process whose address space is limited to
  ``FANGKONG_SHEET_MEMORY_MB`` (``RLIMIT_AS``) and CPU time to ``FANGKONG_SHEET_CPU_SECONDS``: a
  zip bomb or a sparse range that gets past the checks kills the child, never the server; the
  rows stream back through a pipe;
- rows, columns and cell lengths are counted as the rows stream: too many rows or columns make the
  file unusable (``SheetError``), a cell with a NUL byte or longer than ``MAX_CELL_CHARS`` becomes a
  ``RejectedCell`` that the importer turns into a row error (row, column, reason).

The sheet reader calls ``excel_rows`` and ``bounded_rows``; the import calls ``store_upload``,
``cell_problem`` and ``ErrorList``.
"""

from __future__ import annotations

import csv
import os
import pickle
import re
import secrets
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024


class SheetError(Exception):
    """The file cannot be used at all (unreadable, empty, too large, no header row)."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_upload_bytes() -> int:
    return _limit("FANGKONG_UPLOAD_MAX_MB", 200) * MB


def max_rows() -> int:
    return _limit("FANGKONG_SHEET_MAX_ROWS", 1_200_000)


def max_columns() -> int:
    return _limit("FANGKONG_SHEET_MAX_COLUMNS", 100)


def max_cell_chars() -> int:
    return _limit("FANGKONG_SHEET_MAX_CELL_CHARS", 1000)


def sheet_memory_bytes() -> int:
    return _limit("FANGKONG_SHEET_MEMORY_MB", 1024) * MB


MAX_ERRORS = 1000  # row errors kept per import; the count goes on
# A CSV field larger than this stops the file (the csv module's own default, 128 KB, raised a 500);
# anything above max_cell_chars() is a row error.
CSV_FIELD_LIMIT = 1 * MB
csv.field_size_limit(CSV_FIELD_LIMIT)
# An .xlsx is a zip: the parts may not unpack to more than this, nor any part compress better than
# MAX_RATIO (a register's XML compresses 10-30x; a zip bomb 1000x).
XLSX_MAX_UNPACKED = 3 * 1024 * MB
XLSX_MAX_RATIO = 150
XLSX_MAX_PARTS = 2000


# --- storing --------------------------------------------------------------------------------------
def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def check_size(size: int | None) -> None:
    if size is not None and size > max_upload_bytes():
        raise SheetError(_("The file is larger than %(mb)d MB.") % {"mb": max_upload_bytes() // MB})


def store_upload(chunks: Iterable[bytes], suffix: str) -> Path:
    """Write an upload to a new file only this user may read (0600); the size is counted as it is
    written, so a request that lies about it is stopped too."""
    path = upload_dir() / f"{secrets.token_hex(16)}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                written += len(chunk)
                check_size(written)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def remove_upload(path: str | Path) -> None:
    """Delete an upload (and what was derived from it) once the import is over."""
    if path:
        Path(path).unlink(missing_ok=True)


def remove_expired_uploads(*, older_than_hours: float | None = None) -> int:
    """Uploads left behind (a preview never imported, a crash): removed after a day."""
    hours = (
        older_than_hours
        if older_than_hours is not None
        else _limit("FANGKONG_UPLOAD_TTL_HOURS", 24)
    )
    cutoff = time.time() - hours * 3600
    removed = 0
    directory = Path(settings.VAR_DIR) / "uploads"
    if not directory.is_dir():
        return 0
    for entry in directory.iterdir():
        if entry.is_file() and entry.stat().st_mtime < cutoff:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


# --- rows -----------------------------------------------------------------------------------------
class RejectedCell(str):
    """A cell that may not be stored: reads as an empty string, carries the reason."""

    code: str
    message: str

    def __new__(cls, code: str, message: str) -> RejectedCell:
        cell = super().__new__(cls, "")
        cell.code, cell.message = code, message
        return cell

    def __reduce__(self) -> tuple[Any, ...]:  # to the import's worker processes
        return (RejectedCell, (self.code, self.message))


def _check_cell(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        return RejectedCell("cell_nul", _("The cell holds a NUL character (\\0)."))
    if len(value) > max_cell_chars():
        return RejectedCell(
            "cell_too_long",
            _("The cell is longer than %(n)d characters.") % {"n": max_cell_chars()},
        )
    return value


def cell_problem(cells: list[Any], columns: Iterable[int]) -> tuple[int, RejectedCell] | None:
    """The first rejected cell among ``columns`` (the ones the import reads), if any."""
    width = len(cells)
    for col in columns:
        if col < width and isinstance(cells[col], RejectedCell):
            return col, cells[col]
    return None


def bounded_rows(rows: Iterator[list[Any]], *, start: int = 0) -> Iterator[list[Any]]:
    """Rows as the reader produced them, counted and checked; bad cells replaced. ``start``: the
    rows before these (a part of a sheet read on its own)."""
    limit_rows, limit_cols, limit_chars = max_rows(), max_columns(), max_cell_chars()
    number = start
    try:
        for row in rows:
            number += 1
            if number > limit_rows:
                raise SheetError(
                    _("The sheet has more than %(n)d rows; split it into several files.")
                    % {"n": limit_rows}
                )
            if len(row) > limit_cols:
                if any(c not in (None, "") for c in row[limit_cols:]):
                    raise SheetError(
                        _("Row %(row)d has more than %(n)d columns.")
                        % {"row": number, "n": limit_cols}
                    )
                row = row[:limit_cols]
            try:  # a row of text cells with nothing to reject (a CSV's every row): as it is
                clean = "\x00" not in "".join(row) and max(map(len, row), default=0) <= limit_chars
            except TypeError:  # numbers, dates, None: an Excel row
                clean = False
            yield row if clean else [_check_cell(c) for c in row]
    except csv.Error as error:
        raise SheetError(
            _(
                "Row %(row)d cannot be read: a cell is longer than %(kb)d KB or a quote is not closed."
            )
            % {"row": number + 1, "kb": CSV_FIELD_LIMIT // 1024}
        ) from error


class ErrorList(list[Any]):
    """Row errors, at most MAX_ERRORS kept; ``total`` counts them all."""

    def __init__(self, limit: int = MAX_ERRORS) -> None:
        super().__init__()
        self.limit = limit
        self.total = 0

    def append(self, item: Any) -> None:
        self.total += 1
        if len(self) < self.limit:
            super().append(item)

    @property
    def truncated(self) -> bool:
        return self.total > len(self)


# --- workbooks ------------------------------------------------------------------------------------
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The part name of the workbook's first sheet (the one the reader imports)."""
    try:
        workbook = archive.open("xl/workbook.xml").read(MB)
        rels = archive.open("xl/_rels/workbook.xml.rels").read(MB)
    except KeyError:
        return None
    match = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\bid=\"([^\"]+)\"", workbook)
    if not match:
        return None
    rel_id = match.group(1)
    for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        if re.search(rb'\bId="' + re.escape(rel_id) + rb'"', tag):
            target = re.search(rb'\bTarget="([^"]+)"', tag)
            if target:
                name = target.group(1).decode()
                return name.lstrip("/") if name.startswith("/") else f"xl/{name}"
    return None


def check_xlsx(path: Path) -> int:
    """Zip-level and declared-dimension checks, reading no more than a few KB of XML; the declared
    number of rows (0 when the sheet declares none), for a progress bar."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SheetError(_("The file cannot be read as an Excel workbook.")) from error
    with archive:
        parts = archive.infolist()
        if len(parts) > XLSX_MAX_PARTS:
            raise SheetError(_("The workbook has too many parts to be a sheet."))
        unpacked = 0
        for part in parts:
            unpacked += part.file_size
            if part.file_size > 10 * MB and part.file_size > XLSX_MAX_RATIO * max(
                part.compress_size, 1
            ):
                raise SheetError(
                    _("The workbook unpacks to far more than its size (a “zip bomb”).")
                )
        if unpacked > XLSX_MAX_UNPACKED:
            raise SheetError(_("The workbook unpacks to more than 3 GB."))
        names = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)]
        first = _first_sheet_part(archive)
        declared = 0
        for name in names:
            with archive.open(name) as sheet_part:
                head = sheet_part.read(64 * 1024)
            rows = _check_dimension(head)
            if name == first or not declared:
                declared = rows if name == first else declared or rows
    return declared


def _check_dimension(head: bytes) -> int:
    match = _DIMENSION.search(head)
    if not match or not match.group(3):
        return 0
    rows = int(match.group(4))
    cols = _column_number(match.group(3))
    if cols > max_columns():
        raise SheetError(
            _("The sheet declares %(cols)d columns (up to column %(ref)s); at most %(n)d are read.")
            % {"cols": cols, "ref": match.group(3).decode(), "n": max_columns()}
        )
    if rows > max_rows():
        raise SheetError(
            _("The sheet declares %(rows)d rows; at most %(n)d are read.")
            % {"rows": rows, "n": max_rows()}
        )
    return rows


def declared_rows(path: Path) -> int:
    """Rows an .xlsx declares (no parsing), 0 when unknown or for other formats."""
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return 0
    try:
        return check_xlsx(path)
    except SheetError:
        return 0


def _spooled(source: Path | IO[bytes], suffix: str) -> tuple[Path, bool]:
    if isinstance(source, Path):
        check_size(source.stat().st_size)
        return source, False
    fd, name = tempfile.mkstemp(suffix=suffix)  # 0600
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(MB):
                written += len(chunk)
                check_size(written)
                out.write(chunk)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), True


def excel_rows(source: Path | IO[bytes], suffix: str) -> Iterator[list[Any]]:
    """The first sheet's rows, parsed in a memory-limited child process."""
    path, temporary = _spooled(source, suffix)
    try:
        if suffix in {".xlsx", ".xlsm"}:
            check_xlsx(path)
        yield from _rows_from_child(path)
    finally:
        if temporary:
            path.unlink(missing_ok=True)


def check_workbook(source: Path | IO[bytes], suffix: str) -> None:
    """Before the reader parses a workbook in this process: the zip and declared dimensions are
    checked, then a child process limited to ``sheet_memory_bytes()`` parses every sheet of it.
    Only a workbook the child could read within the limit reaches the server's own parser."""
    path, temporary = _spooled(source, suffix)
    try:
        if suffix in {".xlsx", ".xlsm"}:
            check_xlsx(path)
        for _row in _rows_from_child(path, probe=True):
            pass
    finally:
        if temporary:
            path.unlink(missing_ok=True)
    if not isinstance(source, Path):
        source.seek(0)


def _rows_from_child(path: Path, *, probe: bool = False) -> Iterator[list[Any]]:
    command = [
        sys.executable,
        "-m",
        "fangkong.core.sheet_child",
        str(path),
        str(sheet_memory_bytes()),
        str(_limit("FANGKONG_SHEET_CPU_SECONDS", 300)),
        str(max_rows()),
        str(max_columns()),
        "probe" if probe else "rows",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANGKONG_")}
    env["PYTHONPATH"] = str(Path(settings.BASE_DIR))
    child = subprocess.Popen(  # noqa: S603 - our own module, our own arguments
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=str(settings.BASE_DIR),
    )
    assert child.stdout is not None
    finished = False
    try:
        while True:
            try:
                kind, payload = pickle.load(child.stdout)  # noqa: S301 - written by our child
            except EOFError:
                break
            if kind == "rows":
                yield from payload
            elif kind == "error":
                raise SheetError(_child_message(payload))
            elif kind == "end":
                finished = True
                break
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()
    if not finished:
        raise SheetError(
            _(
                "The workbook needs more than %(mb)d MB of memory to read (too many or too "
                "scattered cells) or is damaged; save the sheet again with only its data."
            )
            % {"mb": sheet_memory_bytes() // MB}
        )


def _child_message(payload: dict[str, Any]) -> str:
    code = payload.get("code")
    if code == "rows":
        return _("The sheet has more than %(n)d rows; split it into several files.") % {
            "n": payload["limit"]
        }
    if code == "columns":
        return _("The sheet has %(cols)d columns; at most %(n)d are read.") % {
            "cols": payload["value"],
            "n": payload["limit"],
        }
    return _("The file cannot be read as an Excel workbook: %s") % payload.get("detail", "")
