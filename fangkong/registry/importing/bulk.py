"""Fast inserts for the importer: COPY on PostgreSQL, executemany on SQLite.

The ORM's ``bulk_create`` spends most of an import building SQL; the importer already has every
value ready (validated, encrypted, indexed), so it sends rows straight to the database inside the
importer's transaction. Primary keys are reserved first (the sequence on PostgreSQL; on SQLite the
import holds the write lock, so max(id) is stable), so residents can point at new households.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608 - our table
                list(rows),
            )
