"""``fangkong import_areas PATH [--county CODE]``: the same importer as the upload page and API.

Exit status: 0 nothing refused, 1 some rows refused (the good ones are applied), 2 the file or the
county is unusable (nothing written).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from fangkong.areas.importing import AreaImportError, import_areas


class Command(BaseCommand):
    help = (
        "Import the area tree from the statistical division codes (NBS layout: 12-digit code, "
        "name, optional level/parent/urban-rural class; .csv in UTF-8 or GBK, .xlsx, .xls) or "
        "from a grid sheet (village code or name, grid name, optional grid code and group)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--county", help="the county's 6- or 12-digit code (default: from the file's codes)"
        )
        parser.add_argument(
            "--county-name", default="", help="name of a county not yet in the tree"
        )
        parser.add_argument("--dry-run", action="store_true", help="check, write nothing")
        parser.add_argument(
            "--strip-committee",
            action="store_true",
            help="前进村委会 → 前进村, 古塘社区居委会 → 古塘社区 (default: names kept as written)",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(settings.LANGUAGE_CODE)
        as_json = options["format"] == "json"
        out = sys.stdout
        console = Console(file=out, stderr=False)

        def fail(message: str) -> None:
            if as_json:
                out.write(json.dumps({"error": message}, ensure_ascii=False) + "\n")
            else:
                Console(stderr=True).print(f"[red]{message}[/red]", markup=True)
            sys.exit(2)

        path: Path = options["path"]
        if not path.is_file():
            fail(_("No such file: %s") % path)
        try:
            result = import_areas(
                path,
                path.name,
                county_code=options["county"],
                county_name=options["county_name"],
                dry_run=options["dry_run"],
                strip_committee=options["strip_committee"],
            )
        except AreaImportError as error:
            fail(str(error))
            return
        if as_json:
            out.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
        else:
            title = _("Checked (nothing written)") if options["dry_run"] else _("Imported")
            console.print(
                f"{title} · {result.county} · {result.rows} {_('rows')} · {result.summary()} "
                f"({result.seconds:.2f} s)",
                markup=False,
            )
            for warning in result.warnings:
                console.print(warning, style="yellow", markup=False)
            if result.errors:
                table = Table(_("Row"), _("Column"), _("Code"), _("Reason"))
                for e in result.errors[:500]:
                    table.add_row(str(e.row), e.column, e.code, e.message)
                console.print(table)
                if len(result.errors) > 500:
                    console.print(_("… and %d more") % (len(result.errors) - 500), markup=False)
        sys.exit(1 if result.rejected else 0)
