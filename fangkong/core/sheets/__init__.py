"""The one reading layer for every importer (register, reconciliation lists, area tree, accounts).

- ``reading``: file formats (.xlsx/.xls through calamine, CSV in any encoding villages save),
  header detection, the ``Sheet`` an importer walks.
- ``values``: one parser per kind of value (dates, phones, ID numbers, yes/no flags, names).

An importer gives ``read_sheet`` its own column dictionary (canonical field → names seen in real
sheets) and reads every cell through the parsers here, so two importers never read the same value
two ways.
"""

from fangkong.core.sheets.reading import (
    IGNORE,
    Sheet,
    SheetError,
    alias_lookup,
    cell_text,
    count_rows,
    normalise_header,
    read_sheet,
)

__all__ = [
    "IGNORE",
    "Sheet",
    "SheetError",
    "alias_lookup",
    "cell_text",
    "count_rows",
    "normalise_header",
    "read_sheet",
]
