"""``fangkong backup`` and ``fangkong restore``: a consistent copy of the database while it runs.

SQLite: the online backup API (a copy taken page by page under the database's own locks, so a
household created meanwhile is either in it or not, never half). PostgreSQL: ``pg_dump`` in the
custom format (one consistent snapshot) and ``pg_restore``. The field key is NOT in the backup:
keep ``keys.json`` (or ``FANGKONG_FIELD_KEY``) apart, as the README says; after a restore the key
check tells at once whether the key matches.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


def _settings() -> dict[str, Any]:
    return connections["default"].settings_dict


def _vendor() -> str:
    return connections["default"].vendor


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _tool(name: str) -> str:
    """``pg_dump``/``pg_restore``: from ``FANGKONG_PG_BIN`` when set (the server's major version,
    e.g. /usr/lib/postgresql/15/bin), else on PATH, else Debian's /usr/lib/postgresql/*/bin."""
    configured = getattr(settings, "FANGKONG_PG_BIN", "")
    if configured:
        candidate = Path(configured) / name
        if not candidate.exists():
            raise BackupError(f"{candidate} not found (FANGKONG_PG_BIN)")
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        for version in ("17", "16", "15"):
            candidate = Path(f"/usr/lib/postgresql/{version}/bin/{name}")
            if candidate.exists():
                return str(candidate)
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return found


def _private(path: Path) -> None:
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)


def backup(target: Path) -> None:
    db = _settings()
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    _private(target)
    if _vendor() == "sqlite":
        connections["default"].close()
        source = sqlite3.connect(str(db["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    done = subprocess.run(  # noqa: S603 - fixed tool, our arguments
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), db["NAME"]],
        env=_pg_env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(done.stderr.strip())


def _sqlite_has_data(path: str) -> bool:
    if path == ":memory:" or not Path(path).exists() or Path(path).stat().st_size == 0:
        return False
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='core_auditevent'"
        ).fetchone()
        return bool(row and row[0])
    finally:
        conn.close()


def restore(source: Path, *, force: bool = False) -> None:
    db = _settings()
    if not source.exists():
        raise BackupError(f"{source} not found")
    if _vendor() == "sqlite":
        connections["default"].close()
        name = str(db["NAME"])
        if _sqlite_has_data(name) and not force:
            raise BackupError(
                f"{name} already holds a fangkong database; add --force to replace it"
            )
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        backup_db = sqlite3.connect(str(source))
        live = sqlite3.connect(name)
        try:
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        os.chmod(name, 0o600)
        return
    done = subprocess.run(  # noqa: S603
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            db["NAME"],
            str(source),
        ],
        env=_pg_env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(done.stderr.strip())
