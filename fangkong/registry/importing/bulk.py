"""Fast inserts for the importer: COPY on PostgreSQL, executemany on SQLite.

The ORM's ``bulk_create`` spends most of an import building SQL; the importer already has every
value ready (validated, encrypted, indexed), so it sends rows straight to the database inside the
importer's transaction. Primary keys are reserved first (the sequence on PostgreSQL; on SQLite the
import holds the write lock, so max(id) is stable), so residents can point at new households.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection


def reserve_ids(table: str, count: int) -> list[int]:
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our table
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def check_constraints_now() -> None:
    """On PostgreSQL, check foreign keys as rows arrive instead of queueing a million deferred
    checks for the commit (measured: a quarter of the import time); this transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


# SQLite's page cache while an import writes (KiB, as a negative cache_size): the default 2 MB
# spills the resident table's indexes (random blind-index keys) to the WAL mid-transaction and
# reads them back: measured 13-35 % of the writer's CPU at 50k rows, more as the table grows.
# Pages are allocated as used, and only for this connection while the import runs.
IMPORT_CACHE_KIB = 128 * 1024


@contextmanager
def roomy_cache() -> Iterator[None]:
    """A larger SQLite page cache for this connection while the block runs, then the old one."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    # The DB-API connection itself: restoring must work even when the import failed inside a
    # nested atomic block (Django refuses its own cursor's queries then), and must not hide why.
    raw = connection.connection
    before = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB:d}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size = {before:d}")


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    pg_types: Sequence[str] | None = None,
) -> None:
    """Insert plain rows; with ``pg_types`` (one per column) PostgreSQL gets a binary COPY."""
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            binary = " (FORMAT BINARY)" if pg_types else ""
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN{binary}") as copy:
                if pg_types:
                    copy.set_types(list(pg_types))
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608 - our table
                list(rows),
            )


def existing_residents(county_id: int, indexes: list[str]) -> list[int]:
    """Primary keys of the residents of a county with any of these blind indexes.

    One parameter on PostgreSQL instead of thousands of placeholders (psycopg spends more
    time splitting such a query than the server takes to answer it)."""
    if not indexes:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One text parameter (psycopg dumps a list of 2,000 strings in Python, element by
            # element); blind indexes are hex, so a comma separates them safely.
            cursor.execute(
                "SELECT id FROM registry_resident WHERE county_id = %s "
                "AND id_number_index = ANY(string_to_array(%s, ','))",
                [county_id, ",".join(indexes)],
            )
        else:
            marks = ", ".join(["%s"] * len(indexes))
            cursor.execute(
                "SELECT id FROM registry_resident WHERE county_id = %s "  # noqa: S608 - placeholders
                f"AND id_number_index IN ({marks})",
                [county_id, *indexes],
            )
        return [row[0] for row in cursor.fetchall()]
