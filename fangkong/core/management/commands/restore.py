from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core import backup, keycheck


class Command(BaseCommand):
    help = "Restore a backup made by `fangkong backup` into the configured database."
    requires_system_checks: list[str] = []  # the key check would look at the old database

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="file written by `fangkong backup`")
        parser.add_argument(
            "--force", action="store_true", help="replace a SQLite database that holds data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup.restore(Path(options["source"]), force=options["force"])
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        state = keycheck.key_state()
        if state == "mismatch":
            raise CommandError("restored, but " + keycheck.message())
        self.stdout.write(f"restored from {options['source']}; field key check: {state}")
