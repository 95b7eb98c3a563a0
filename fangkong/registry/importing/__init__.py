"""Loading the register from the Excel and CSV sheets villages already keep.

One importer (``residents_import``) serves the command line, the web upload and the API.
"""

from fangkong.core.sheets import SheetError, read_sheet
from fangkong.registry.importing.importer import ImportResult, RowError, residents_import

__all__ = ["ImportResult", "RowError", "SheetError", "read_sheet", "residents_import"]
