from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core import backup, keycheck


class Command(BaseCommand):
    help = "A consistent backup of the database while fangkong runs (SQLite backup API / pg_dump)."
    requires_system_checks: list[str] = []  # a backup is taken whatever else is wrong

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", help="new file to write (mode 0600)")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["target"])
        try:
            backup.backup(target)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"backup written to {target} ({target.stat().st_size} bytes). The field key is not in "
            f"it: keep keys.json (key fingerprint {keycheck.fingerprint()}) with it, apart."
        )
