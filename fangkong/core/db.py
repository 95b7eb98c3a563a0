"""Database helpers that differ by engine."""

from __future__ import annotations

from django.db import connection, models


def analyze(*tables: type[models.Model]) -> None:
    """Refresh PostgreSQL's statistics of tables just filled in bulk (a no-op elsewhere).

    Inside the transaction that filled them (the demo, a test), autovacuum cannot see the rows
    yet and the planner takes the tables for empty: a figure over a few thousand residents may
    then be planned as nested loops over every row. ``ANALYZE`` in the same transaction samples
    the transaction's own rows."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')  # noqa: S608 - our own table names
