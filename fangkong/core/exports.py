"""The one way fangkong writes .xlsx and .csv files: no cell can become a formula.

A name or a remark starting with ``=`` once became a live formula in every workbook we wrote (a
cadre's remarks reached the township's export that way). Every export goes through ``workbook``
(xlsxwriter with strings always written as text cells, never as formulas or links) and
``csv_writer`` / ``csv_cell`` (a leading ``'`` before a text that starts with ``= + - @``, a tab
or a carriage return, as OWASP recommends). Numbers stay numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any, Protocol

import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Writable(Protocol):
    def write(self, value: str, /) -> Any: ...


class SafeCsvWriter:
    """``csv.writer`` whose text cells cannot start a formula."""

    def __init__(self, target: _Writable, **kwargs: Any) -> None:
        self._writer = csv.writer(target, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(target: _Writable, **kwargs: Any) -> SafeCsvWriter:
    return SafeCsvWriter(target, **kwargs)


def workbook(target: str | IO[bytes], options: dict[str, Any] | None = None) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook where ``write``/``write_row`` put every string in a text cell:
    ``=SUM(...)`` stays the text a person typed, ``http://`` is not turned into a link."""
    return xlsxwriter.Workbook(
        target,
        {**(options or {}), "strings_to_formulas": False, "strings_to_urls": False},
    )
