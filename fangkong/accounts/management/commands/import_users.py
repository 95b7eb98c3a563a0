"""``fangkong import_users PATH (--user ADMIN | --county CODE)``: accounts from a sheet, the same
importer as the county administrator's upload page. Prints each new account's one-time password
once. Exit status: 0 nothing refused, 1 some rows refused (the good ones created), 2 unusable.
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

from fangkong.accounts.importing import UserImportError, import_users
from fangkong.accounts.models import Role, User
from fangkong.areas.models import Area, Level


class Command(BaseCommand):
    help = (
        "Create accounts from a sheet (用户名, 姓名, 手机号, 角色, 区域) as a county administrator; "
        "each gets a one-time password, changed at the first login."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", help="the county administrator creating the accounts")
        parser.add_argument(
            "--county", help="or: the county's code (as the operator, audited without a user)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check, create nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(settings.LANGUAGE_CODE)
        as_json = options["format"] == "json"
        out = sys.stdout

        def fail(message: str) -> None:
            if as_json:
                out.write(json.dumps({"error": message}, ensure_ascii=False) + "\n")
            else:
                Console(stderr=True).print(message, style="red", markup=False)
            sys.exit(2)

        path: Path = options["path"]
        if not path.is_file():
            fail(_("No such file: %s") % path)
        admin = None
        county = None
        if options["user"]:
            admin = (
                User.objects.filter(
                    username=options["user"], role=Role.COUNTY_ADMIN, is_active=True
                )
                .select_related("area")
                .first()
            )
            if admin is None:
                fail(_("No active county administrator of this name."))
        elif options["county"]:
            code = options["county"]
            code = code + "000000" if len(code) == 6 else code
            county = Area.objects.filter(code=code, level=Level.COUNTY).first()
            if county is None:
                fail(_("No county with the code %s.") % code)
        else:
            fail(_("Give --user (a county administrator) or --county CODE."))
        try:
            result = import_users(
                path, path.name, by=admin, county=county, dry_run=options["dry_run"]
            )
        except UserImportError as error:
            fail(str(error))
            return
        if as_json:
            out.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
        else:
            console = Console(file=out)
            title = _("Checked (nothing written)") if options["dry_run"] else _("Created")
            console.print(
                f"{title}: {result.created} · {_('rows refused')}: {result.rejected} "
                f"({admin.username if admin else '-'}, {admin.area if admin else county})",
                markup=False,
            )
            if result.users:
                table = Table(_("Row"), _("User name"), _("Person's name"), _("One-time password"))
                for u in result.users:
                    table.add_row(str(u.row), u.username, u.name, u.password)
                console.print(table)
            if result.errors:
                table = Table(_("Row"), _("Column"), _("Value"), _("Reason"))
                for e in result.errors:
                    table.add_row(str(e.row), e.column, e.code, e.message)
                console.print(table)
        sys.exit(1 if result.rejected else 0)
