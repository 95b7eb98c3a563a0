"""The task worker's board: live progress of running jobs and the workers' heartbeats.

Both are written while a job holds a long transaction (an import is one transaction, so that a
killed job leaves nothing half-written). Written on the default connection they would be invisible
until the end (PostgreSQL) or wait for the job's write lock (SQLite: one writer at a time). So the
board has a connection of its own, in autocommit:

- PostgreSQL: the same database, a second connection (tables ``fangkong_board_*``);
- SQLite: a small database file beside the main one (``<var>/jobs-board.sqlite3``), whose lock is
  not the import's.

Nothing personal is on the board (job tokens, row counts, host names and process ids), and
nothing on it is needed to recover: a lost board only hides progress for a moment.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS fangkong_board_progress ("
    " key varchar(64) PRIMARY KEY, done bigint NOT NULL, total bigint NOT NULL,"
    " updated_at double precision NOT NULL)",
    "CREATE TABLE IF NOT EXISTS fangkong_board_worker ("
    " worker_id varchar(64) PRIMARY KEY, hostname varchar(255) NOT NULL, pid integer NOT NULL,"
    " started_at double precision NOT NULL, seen_at double precision NOT NULL)",
)

_local = threading.local()


def _sqlite_path() -> Path:
    return Path(settings.VAR_DIR) / "jobs-board.sqlite3"


def _open() -> tuple[Any, str]:
    main = connections["default"]
    if main.vendor == "sqlite":
        path = _sqlite_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        raw: Any = sqlite3.connect(str(path), timeout=5, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        path.chmod(0o600)
        mark = "?"
    else:
        raw = main.get_new_connection(main.get_connection_params())
        raw.autocommit = True
        mark = "%s"
    cursor = raw.cursor()
    for statement in SCHEMA:
        try:
            cursor.execute(statement)
        except Exception:  # two processes creating the tables at once: one wins
            logger.debug("board table exists", exc_info=True)
    cursor.close()
    return raw, mark


def _key() -> tuple[str, str]:
    main = connections["default"]
    return main.vendor, str(main.settings_dict.get("NAME"))


@contextmanager
def _cursor() -> Iterator[tuple[Any, str]]:
    """A cursor on this thread's board connection (opened on first use, again after an error)."""
    key = _key()
    held = getattr(_local, "held", None)
    if held is None or held[0] != key:
        _local.held = held = (key, *_open())
    raw, mark = held[1], held[2]
    cursor = raw.cursor()
    try:
        yield cursor, mark
    except Exception:
        _local.held = None  # a broken connection is opened again next time
        with suppress(Exception):
            raw.close()
        raise
    finally:
        with suppress(Exception):
            cursor.close()


def close() -> None:
    held = getattr(_local, "held", None)
    _local.held = None
    if held is not None:
        held[1].close()


def _sql(text: str, mark: str) -> str:
    return text.replace("?", mark)


# --- progress -----------------------------------------------------------------------------------


def progress_set(key: str, done: int, total: int = 0) -> None:
    """Record that ``done`` of ``total`` units of job ``key`` are through (never raises: the job
    matters, its progress bar does not)."""
    try:
        with _cursor() as (cursor, mark):
            cursor.execute(
                _sql(
                    "INSERT INTO fangkong_board_progress (key, done, total, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET done = excluded.done, "
                    "total = CASE WHEN excluded.total > 0 THEN excluded.total "
                    "ELSE fangkong_board_progress.total END, updated_at = excluded.updated_at",
                    mark,
                ),
                (key[:64], int(done), int(total), time.time()),
            )
    except Exception:
        logger.warning("board: progress of %s not recorded", key, exc_info=True)


def progress_get(key: str) -> tuple[int, int]:
    """(done, total) of job ``key``; (0, 0) when nothing is known."""
    try:
        with _cursor() as (cursor, mark):
            cursor.execute(
                _sql("SELECT done, total FROM fangkong_board_progress WHERE key = ?", mark),
                (key[:64],),
            )
            row = cursor.fetchone()
    except Exception:
        logger.warning("board: progress of %s not read", key, exc_info=True)
        return 0, 0
    return (int(row[0]), int(row[1])) if row else (0, 0)


def progress_clear(key: str) -> None:
    try:
        with _cursor() as (cursor, mark):
            cursor.execute(_sql("DELETE FROM fangkong_board_progress WHERE key = ?", mark), (key,))
    except Exception:
        logger.warning("board: progress of %s not cleared", key, exc_info=True)


class Throttled:
    """A progress callback that writes to the board at most every ``every`` seconds."""

    def __init__(self, key: str, *, total: int = 0, every: float = 0.5) -> None:
        self.key, self.total, self.every, self._last = key, total, every, 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            progress_set(self.key, done, self.total)


# --- heartbeats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heartbeat:
    worker_id: str
    hostname: str
    pid: int
    started_at: float
    seen_at: float

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.seen_at)


def heartbeat(worker_id: str, *, pid: int, started_at: float) -> None:
    with _cursor() as (cursor, mark):
        cursor.execute(
            _sql(
                "INSERT INTO fangkong_board_worker (worker_id, hostname, pid, started_at, "
                "seen_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (worker_id) DO UPDATE SET "
                "seen_at = excluded.seen_at",
                mark,
            ),
            (worker_id, socket.gethostname(), pid, started_at, time.time()),
        )


def heartbeats() -> dict[str, Heartbeat]:
    with _cursor() as (cursor, _mark):
        cursor.execute(
            "SELECT worker_id, hostname, pid, started_at, seen_at FROM fangkong_board_worker"
        )
        rows = cursor.fetchall()
    return {r[0]: Heartbeat(r[0], r[1], int(r[2]), float(r[3]), float(r[4])) for r in rows}


def heartbeat_remove(worker_id: str) -> None:
    with _cursor() as (cursor, mark):
        cursor.execute(
            _sql("DELETE FROM fangkong_board_worker WHERE worker_id = ?", mark), (worker_id,)
        )


def heartbeats_prune(older_than: float) -> None:
    """Forget workers not seen for ``older_than`` seconds (their tasks were reaped by then)."""
    with _cursor() as (cursor, mark):
        cursor.execute(
            _sql("DELETE FROM fangkong_board_worker WHERE seen_at < ?", mark),
            (time.time() - older_than,),
        )
