"""Rows of a hot path read by one hand-written SELECT, as model instances (issue 19).

The ORM compiles every query again on each request: for the token of an API call, or the case a
check-in is for, compiling the SELECT with its joins costs more than running it. ``Columns``
spells a model's columns once per process; a hot path writes its SELECT (joins and scope by hand)
around them and gets back the same instances the ORM would give (``Model.from_db``, the database's
converters applied: dates on SQLite, decrypted fields), related objects set in their caches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.db.models.constants import OnConflict


class Columns[M: models.Model]:
    """The concrete columns of ``model`` under a table alias: ``sql`` for the SELECT list,
    ``build`` to make the instance from its part of a row."""

    def __init__(
        self, model: type[M], alias: str, *, only: Sequence[str] = (), skip: Sequence[str] = ()
    ) -> None:
        """Every column, or ``only`` these (the others deferred), less ``skip``."""
        self.model = model
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if (not only or f.attname in only) and f.attname not in skip
        ]
        self.attnames = [f.attname for f in self.fields]
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(str(f.column))}" for f in self.fields)
        self.table = quote(model._meta.db_table)
        self._converters: dict[str, list[tuple[int, list[Callable[..., Any]], Any]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def _converters_for(self, conn: Any) -> list[tuple[int, list[Callable[..., Any]], Any]]:
        found = self._converters.get(conn.vendor)
        if found is None:
            found = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                functions = conn.ops.get_db_converters(col) + field.get_db_converters(conn)
                if functions:
                    found.append((i, functions, col))
            self._converters[conn.vendor] = found
        return found

    def build(self, row: Sequence[Any], start: int = 0, conn: Any = None) -> M | None:
        """The instance from ``row[start:start + len(self)]``; None when its primary key is NULL
        (a LEFT JOIN that found nothing)."""
        conn = conn or connection
        values = list(row[start : start + len(self.fields)])
        if values[self.attnames.index(self.model._meta.pk.attname)] is None:
            return None
        for i, functions, col in self._converters_for(conn):
            value = values[i]
            for function in functions:
                value = function(value, col, conn)
            values[i] = value
        return self.model.from_db(conn.alias, self.attnames, values)


def under(column: str, path: str) -> tuple[str, str]:
    """``column`` (an area path) starts with ``path``: the SQL and its parameter, as the ORM's
    ``__startswith`` writes them."""
    return (
        f"{column} {connection.operators['startswith'] % '%s'}",  # type: ignore[attr-defined]
        connection.ops.prep_for_like_query(path) + "%",
    )


def fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()  # type: ignore[no-any-return]


def ts(value: Any) -> Any:
    """A datetime as the database takes it (SQLite stores text)."""
    return connection.ops.adapt_datetimefield_value(value)


def day(value: Any) -> Any:
    return connection.ops.adapt_datefield_value(value)


def pk_of(field: Any, data: Any) -> int | None:
    """A related field's input as a primary key (DRF's refusal for a wrong type); None for a
    number no row can have."""
    if isinstance(data, bool) or not isinstance(data, int | str):
        field.fail("incorrect_type", data_type=type(data).__name__)
    try:
        pk = int(data)
    except ValueError:
        field.fail("incorrect_type", data_type=type(data).__name__)
    return pk if 0 < pk < 2**63 else None


class Scoped[M: models.Model]:
    """Rows of ``model`` with their area, by primary key, in a user's scope: one hand-written
    query. ``joins`` leads from the model (``m``) to the area that scopes it (``a``);
    ``ancestors`` also finds rows over an area that contains the user's (a round over the
    township, for a grid worker)."""

    def __init__(
        self, model: type[M], joins: str, *, area_attr: str | None, ancestors: bool = False
    ) -> None:
        self.model, self.joins, self.area_attr, self.ancestors = model, joins, area_attr, ancestors
        self._built: tuple[str, Columns[M], Columns[Any]] | None = None

    def get(self, user: Any, pk: int | None) -> M | None:
        return self.get_many(user, [pk]).get(pk) if pk is not None else None

    def scope(self, area: Any, alias: str) -> tuple[str, list[Any]]:
        """`` AND …``: the area ``alias`` (of a row in the same county as ``area``) is in the
        scope of a user of ``area``; its SQL and parameters."""
        if self.ancestors:
            condition, prefix = under(f"{alias}.path", area.path)
            parts = area.path.strip("/").split("/")
            paths = ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
            listed = ", ".join(["%s"] * len(paths))
            return f" AND ({condition} OR {alias}.path IN ({listed}))", [prefix, *paths]
        if area.pk != area.county_id:  # the county itself: the tenant key says it
            condition, prefix = under(f"{alias}.path", area.path)
            return f" AND {condition}", [prefix]
        return "", []

    def get_many(self, user: Any, pks: Sequence[int]) -> dict[int, M]:
        """The rows of ``pks`` the user sees, by primary key (the others are left out): one
        query for them all."""
        from fangkong.areas.models import Area

        area = getattr(user, "area", None)
        pks = sorted(set(pks))
        if not pks or not getattr(user, "is_authenticated", False) or area is None:
            return {}
        if self._built is None:
            row, place = Columns(self.model, "m"), Columns(Area, "a")
            self._built = (
                f"SELECT {row.sql}, {place.sql} FROM {row.table} m {self.joins} "  # noqa: S608 - names from the models
                "WHERE m.county_id = %s AND m.id ",
                row,
                place,
            )
        sql, row_columns, place_columns = self._built
        sql += "= %s" if len(pks) == 1 else f"IN ({', '.join(['%s'] * len(pks))})"
        scope, scope_params = self.scope(area, "a")
        sql += scope
        params: list[Any] = [area.county_id, *pks, *scope_params]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        objs: dict[int, M] = {}
        for values in found:
            obj = row_columns.build(values)
            assert obj is not None
            if self.area_attr:
                setattr(obj, self.area_attr, place_columns.build(values, len(row_columns)))
            objs[obj.pk] = obj
        return objs


_PASSED: dict[type[models.Field[Any, Any]], type] = {
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
}


def _passes(field: Any) -> type | None:
    """The Python type whose values ``field`` sends to the database unchanged, when its
    ``pre_save`` only reads the attribute: a plain text, integer or boolean column, or a foreign
    key to an integer key (for ``str`` / ``int`` / ``bool`` exactly, or None, ``get_db_prep_save``
    returns the value itself). None for any other field (dates, decimals, encrypted text, a
    subclass with its own conversion): those go through the field's own methods."""
    if type(field).pre_save is not models.Field.pre_save:
        return None
    if type(field) in (models.ForeignKey, models.OneToOneField):
        return (
            int
            if type(field.target_field) in _PASSED and _PASSED[type(field.target_field)] is int
            else None
        )
    return _PASSED.get(type(field))


class Insert[M: models.Model]:
    """The INSERT of ``model``'s rows spelled once per process (issue 19: on a hot write the ORM
    compiled each INSERT for longer than the database ran it).

    It sends what ``bulk_create`` sends: every concrete column but an auto primary key, each
    value through the field's ``pre_save`` and ``get_db_prep_save`` (defaults, ``auto_now_add``,
    encryption apply as they do there), several rows in one statement, the new primary keys read
    back (``RETURNING``) and set on the instances. Like ``bulk_create`` it calls no ``save()`` and
    sends no signal: what a model's ``save`` adds (its county, its area) the caller sets.
    ``ignore_conflicts``: a row that breaks a unique constraint is skipped (its key stays None),
    as ``bulk_create(ignore_conflicts=True)`` does."""

    def __init__(self, model: type[M], *, ignore_conflicts: bool = False) -> None:
        opts = model._meta
        self.model, self.ignore_conflicts = model, ignore_conflicts
        self.fields = [
            f for f in opts.local_concrete_fields if f is not opts.auto_field and not f.generated
        ]
        unsupported = [
            f.name
            for f in self.fields
            if f.has_db_default() or getattr(f, "get_placeholder_sql", None) is not None
        ]
        if opts.parents or unsupported:
            raise TypeError(f"Insert cannot write {model.__name__} ({unsupported or 'a child'})")
        self._sql: dict[tuple[str, int, bool], str] = {}
        # Per column: the Python type whose values go to the database as they are (see
        # ``_passes``), or None for the field's own ``pre_save`` and ``get_db_prep_save``.
        self._plan = [(f, f.attname, _passes(f)) for f in self.fields]

    def _statement(self, conn: Any, count: int, *, returning: bool = True) -> str:
        found = self._sql.get((conn.vendor, count, returning))
        if found is None:
            ops, features = conn.ops, conn.features
            conflict = OnConflict.IGNORE if self.ignore_conflicts else None
            row = f"({', '.join(['%s'] * len(self.fields))})"
            parts = [
                f"{ops.insert_statement(on_conflict=conflict)} "
                f"{ops.quote_name(self.model._meta.db_table)} "
                f"({', '.join(ops.quote_name(f.column) for f in self.fields)}) "
                f"VALUES {', '.join([row] * count)}",
                ops.on_conflict_suffix_sql(self.fields, conflict, (), ()),
            ]
            if returning and not self.ignore_conflicts and features.can_return_columns_from_insert:
                parts.append(ops.returning_columns([self.model._meta.pk])[0])
            found = self._sql[(conn.vendor, count, returning)] = " ".join(p for p in parts if p)
        return found

    def _values(self, obj: M, conn: Any) -> list[Any]:
        # as ``save`` and ``bulk_create``: an unsaved related object is refused, a saved one's key
        # taken (it may have been saved after it was assigned)
        obj._prepare_related_fields_for_save(operation_name="Insert")  # type: ignore[attr-defined]
        values = []
        for field, attname, passes in self._plan:
            if passes is not None:
                value = getattr(obj, attname)
                if value is None or type(value) is passes:
                    values.append(value)  # what get_db_prep_save would have returned
                    continue
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"Insert takes values, not expressions ({field.name})")
            values.append(field.get_db_prep_save(value, connection=conn))
        return values

    def rows(self, objs: Sequence[M]) -> None:
        """Write ``objs`` (one statement where the database returns the keys of several rows)."""
        conn = connection
        if not objs:
            return
        if len(objs) > 1 and not (
            self.ignore_conflicts or conn.features.can_return_rows_from_bulk_insert
        ):
            for obj in objs:
                self.rows([obj])
            return
        params = [value for obj in objs for value in self._values(obj, conn)]
        pk = self.model._meta.pk
        with conn.cursor() as cursor:
            cursor.execute(self._statement(conn, len(objs)), params)
            if not self.ignore_conflicts:
                if conn.features.can_return_columns_from_insert:
                    keys = [row[0] for row in cursor.fetchall()]
                else:
                    table = self.model._meta.db_table
                    keys = [conn.ops.last_insert_id(cursor, table, str(pk.column))]
                for obj, key in zip(objs, keys, strict=True):
                    setattr(obj, pk.attname, key)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = conn.alias

    def one(self, obj: M) -> M:
        self.rows([obj])
        return obj

    def later(self, obj: M) -> M:
        """Write ``obj``, a row whose key nobody reads back (an audit row, a points entry): inside
        ``together()`` it is sent with the others at the end of the block (its key stays None),
        elsewhere at once, as ``one``."""
        self.later_rows([obj])
        return obj

    def later_rows(self, objs: Sequence[M]) -> None:
        """``later`` for several rows (one INSERT)."""
        pending: list[tuple[str, list[Any]]] | None = getattr(connection, "_rows_later", None)
        if pending is None:
            self.rows(objs)
            return
        if objs:
            conn = connection
            values = [value for obj in objs for value in self._values(obj, conn)]
            pending.append((self._statement(conn, len(objs), returning=False), values))

    def one_unless(self, obj: M, exists: str, params: Sequence[Any]) -> bool:
        """Write ``obj`` unless the SELECT ``exists`` (with ``params``) finds a row, in the same
        statement (``INSERT … SELECT … WHERE NOT EXISTS``: a check and a write in one round
        trip). True if written (its key set)."""
        conn = connection
        if self.ignore_conflicts or not conn.features.can_return_columns_from_insert:
            raise TypeError("one_unless needs RETURNING and no ignore_conflicts")
        ops, pk = conn.ops, self.model._meta.pk
        key = (conn.vendor, -1, True)  # the statement around ``exists``, spelled once
        if key not in self._sql:
            self._sql[key] = (
                f"{ops.insert_statement()} {ops.quote_name(self.model._meta.db_table)} "
                f"({', '.join(ops.quote_name(str(f.column)) for f in self.fields)}) "
                f"SELECT {', '.join(['%s'] * len(self.fields))} WHERE NOT EXISTS ({{}}) "
                f"{ops.returning_columns([pk])[0]}"
            )
        sql = self._sql[key].format(exists)
        with conn.cursor() as cursor:
            cursor.execute(sql, [*self._values(obj, conn), *params])
            found = cursor.fetchone()
        if found is None:
            return False
        setattr(obj, pk.attname, found[0])
        obj._state.adding = False
        obj._state.db = conn.alias
        return True


def later(sql: str, params: Sequence[Any]) -> None:
    """Run a write whose result nobody reads (no RETURNING, no row count needed): inside
    ``together()`` with the others at the end of the block, elsewhere at once."""
    pending: list[tuple[str, list[Any]]] | None = getattr(connection, "_rows_later", None)
    if pending is not None:
        pending.append((sql, list(params)))
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def together() -> Iterator[None]:
    """The rows written inside the block by ``Insert.later`` (and the writes of ``later``) go to
    the database at its end, in one round trip (issue 19: an audit row and a points entry at the
    end of a hot write were two).

    On PostgreSQL the writes are one string of statements, each bound on the client as its own
    ``execute`` would bind it (``mogrify``: Django's psycopg default is client-side binding; with
    ``server_side_binding`` they go one by one), sent by one ``execute``;
    on SQLite, which has no round trip to save, one by one. Nothing is sent if the block raises
    (its transaction is undone anyway). A block inside another sends with the outer one."""
    conn = connection
    if getattr(conn, "_rows_later", None) is not None:
        yield
        return
    pending: list[tuple[str, list[Any]]] = []
    conn._rows_later = pending  # type: ignore[attr-defined]  # per connection: per thread
    try:
        yield
    finally:
        conn._rows_later = None  # type: ignore[attr-defined]
    if not pending:
        return
    with conn.cursor() as cursor:
        if (
            len(pending) > 1
            and conn.vendor == "postgresql"
            and conn.settings_dict.get("OPTIONS", {}).get("server_side_binding") is not True
        ):
            # Each statement bound on its own (what its ``execute`` would send: psycopg parses and
            # caches a statement of up to 50 values, not a long string of several), then sent
            # as one string with nothing left to bind.
            cursor.execute("; ".join(cursor.mogrify(sql, values) for sql, values in pending))
        else:
            for sql, values in pending:
                cursor.execute(sql, values)
