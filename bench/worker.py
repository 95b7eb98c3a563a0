"""One measured job in a fresh process (so peak memory is its own): prints one JSON line.

worker.py fangkong FILE        our importer (DATABASE_URL decides SQLite or PostgreSQL)
worker.py copy FILE            PostgreSQL COPY of the same CSV into an equivalent table
worker.py executemany FILE     SQLite executemany of the same rows into an equivalent table
worker.py import_export FILE   django-import-export importing the same rows
worker.py compute FILE         the compute floor: validation, normalisation, encryption and HMAC of
                               the same rows in the importer's number of worker processes, no
                               database; also spools the rows as stored (untimed) beside FILE
worker.py floor FILE           the write floor: COPY (PostgreSQL) / executemany (SQLite) of those
                               rows as stored into the real household and resident tables
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import json
import multiprocessing
import os
import pickle
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PLAIN_COLUMNS = [
    "name",
    "id_number",
    "phone",
    "head_name",
    "relationship",
    "address",
    "grid",
    "low_income",
    "elderly_alone",
]


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _village():
    from fangkong.areas.models import Area

    village = Area.objects.filter(code="430502005201").first()
    if village:
        return village
    county = Area(name="双清区", level="county", code="430502000000")
    county.save()
    township = Area(name="火车站乡", level="township", code="430502005000", parent=county)
    township.save()
    village = Area(name="前进村", level="village", code="430502005201", parent=township)
    village.save()
    for g in range(1, 9):
        Area(name=f"前进村{g}网格", level="grid", code=f"{g:02d}", parent=village).save()
    return village


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers (user + system): less sensitive than
    the wall clock to the other processes of a shared machine (a database server's not counted)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_mb() -> float:
    """Peak resident memory of this process plus the largest of its worker processes (an upper
    bound of what the import held at once)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def run_fangkong(path: Path) -> dict:
    _django()
    from fangkong.registry.importing import residents_import

    village = _village()
    cpu = _cpu_seconds()
    start = time.perf_counter()
    result = residents_import(
        source=path, filename=path.name, area=village, by=None, workers=WORKERS
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "rows": result.rows,
        "created": result.created,
        "rejected": result.rejected,
        "peak_mb": _peak_mb(),
    }


def run_copy(path: Path) -> dict:
    import psycopg

    cols = ", ".join(f"{c} text" for c in PLAIN_COLUMNS)
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute(
            f"DROP TABLE IF EXISTS bench_plain; CREATE TABLE bench_plain (id bigserial primary key, {cols})"
        )
        conn.commit()
        cpu = _cpu_seconds()
        start = time.perf_counter()
        with (
            path.open("rb") as fh,
            cur.copy(
                f"COPY bench_plain ({', '.join(PLAIN_COLUMNS)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu  # the client's: the server's is not counted
        cur.execute("SELECT count(*) FROM bench_plain")
        rows = cur.fetchone()[0]
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "peak_mb": _peak_mb()}


def run_executemany(path: Path) -> dict:
    import sqlite3

    db = Path(os.environ["FANGKONG_VAR_DIR"]) / "plain.sqlite3"
    conn = sqlite3.connect(db)
    cols = ", ".join(f"{c} text" for c in PLAIN_COLUMNS)
    conn.execute(f"CREATE TABLE bench_plain (id integer primary key, {cols})")
    cpu = _cpu_seconds()
    start = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        marks = ", ".join("?" * len(PLAIN_COLUMNS))
        conn.executemany(
            f"INSERT INTO bench_plain ({', '.join(PLAIN_COLUMNS)}) VALUES ({marks})", reader
        )
    conn.commit()
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    rows = conn.execute("SELECT count(*) FROM bench_plain").fetchone()[0]
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "peak_mb": _peak_mb()}


WORKERS = min(os.cpu_count() or 1, 4)  # as `fangkong import_residents` and run_fangkong use
FLOOR_CHUNK = 2000
_FLOOR: dict = {}  # set in the parent before the pool forks


def _spool_paths(path: Path) -> tuple[Path, Path, Path, Path]:
    """(households COPY text, residents COPY text, households pickle, residents pickle)."""
    return (
        path.with_suffix(".households.copy"),
        path.with_suffix(".residents.copy"),
        path.with_suffix(".households.pickle"),
        path.with_suffix(".residents.pickle"),
    )


def _floor_compute(chunk: list[list[str]]) -> list[tuple]:
    """The least work a register row needs before it can be stored: the ID number checked and
    normalised (GB 11643 check digit, birth date), name / phone / flags normalised, the grid
    found, the ID and phone encrypted (AES-GCM) and blind-indexed (HMAC). Columns in the
    generator's order; a bad ID rejects the row, an unreadable phone or flag is left empty."""
    from django.core.exceptions import ValidationError

    from fangkong.core import crypto
    from fangkong.core.sheets.values import parse_flag, parse_id_number, parse_name, parse_phones
    from fangkong.core.validators import id_birth_date, id_sex, normalise_text

    grids, relationships, today = _FLOOR["grids"], _FLOOR["relationships"], _FLOOR["today"]
    out: list[tuple] = []
    for name_cell, id_cell, phone_cell, head_cell, rel, address, grid, low, alone in chunk:
        name = parse_name(name_cell)[:50]
        try:
            number, _upgraded = parse_id_number(id_cell, today=today)
        except ValidationError:
            out.append(())
            continue
        try:
            phone = parse_phones(phone_cell).phone if phone_cell else ""
        except ValidationError:
            phone = ""
        flags = []
        for cell in (low, alone):
            try:
                flags.append(parse_flag(cell))
            except ValidationError:
                flags.append(False)
        head = parse_name(head_cell)[:50] or name
        address = " ".join(address.split())[:200]
        area_id = grids.get(normalise_text(grid), grids[""])
        out.append(
            (
                (area_id, f"{head}|{address}"),
                head,
                address,
                relationships.get(normalise_text(rel), "other"),
                name,
                crypto.encrypt(number),
                crypto.blind_index(number, kind="id"),
                id_sex(number),
                id_birth_date(number),
                crypto.encrypt(phone) if phone else "",
                crypto.blind_index(phone, kind="phone") if phone else "",
                flags[0],
                flags[1],
            )
        )
    return out


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


HOUSEHOLD_FLOOR_COLUMNS = (
    "id, county_id, area_id, number, address, head_name, phone, phone_index, notes, "
    "created_at, updated_at"
)
RESIDENT_FLOOR_COLUMNS = (
    "county_id, household_id, relationship, name, id_type, id_number, id_number_index, sex, "
    "birth_date, phone, phone_index, residence_status, low_income, elderly_alone, "
    "chronic_illness, pregnant, disabled, notes, created_at, updated_at"
)


def run_compute(path: Path) -> dict:
    """The compute floor (timed), then the rows as stored spooled for the write floor (untimed)."""
    _django()
    from fangkong.core.validators import normalise_text
    from fangkong.registry.importing.importer import RELATIONSHIPS

    village = _village()
    grids = {
        normalise_text(a.name.removeprefix(village.name)): a.pk for a in village.children.all()
    }
    grids[""] = village.pk
    now = dt.datetime.now(dt.UTC)
    _FLOOR.update(
        grids=grids,
        relationships={k: str(v.value) for k, v in RELATIONSHIPS.items()},
        today=now.date(),
    )
    spools = _spool_paths(path)
    write = not spools[0].exists()
    files = [p.open("w" if i < 2 else "wb") for i, p in enumerate(spools)] if write else []
    stamp_pg, stamp_sqlite = now.isoformat(sep=" "), now.replace(tzinfo=None).isoformat(sep=" ")
    county = village.county_id
    households: dict[tuple[int, str], int] = {}
    rows = rejected = 0

    def chunks():
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            chunk: list[list[str]] = []
            for row in reader:
                chunk.append(row)
                if len(chunk) >= FLOOR_CHUNK:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk

    def run(consume: Callable[[list[tuple]], None]) -> None:
        with multiprocessing.get_context("fork").Pool(WORKERS, initializer=gc.enable) as pool:
            for done in pool.imap(_floor_compute, chunks()):
                consume(done)

    def count(done: list[tuple]) -> None:
        nonlocal rows, rejected
        for item in done:
            rows += 1
            if not item:
                rejected += 1
                continue
            key = item[0]
            if households.get(key) is None:
                households[key] = len(households) + 1

    # Timed: the compute alone. The rows as stored are spooled by a second, untimed pass (the
    # spool used to be written in this pass with its time subtracted, but the workers kept
    # computing meanwhile, so the floor's wall left out part of its own work).
    gc.disable()
    cpu = _cpu_seconds()
    start = time.perf_counter()
    run(count)
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    if write:
        households.clear()

        def spool(done: list[tuple]) -> None:
            new_households: list[tuple] = []
            residents: list[tuple] = []
            for item in done:
                if not item:
                    continue
                key = item[0]
                household = households.get(key)
                if household is None:
                    household = households[key] = len(households) + 1
                    new_households.append((household, item))
                residents.append((household, item))
            hh_pg, res_pg, hh_pickle, res_pickle = files
            hh_rows = []
            for pk, item in new_households:
                head, address, rel = item[1], item[2], item[3]
                phone = (item[9], item[10]) if rel == "head" else ("", "")
                hh_rows.append((pk, county, item[0][0], "", address, head, *phone, "", None, None))
            res_rows = []
            for pk, item in residents:
                res_rows.append(
                    (county, pk, item[3], item[4], "resident_id", item[5], item[6], item[7])
                    + (item[8].isoformat() if item[8] else None, item[9], item[10])
                    + ("permanent", item[11], item[12], False, False, False, "", None, None)
                )
            for out_rows, text in ((hh_rows, hh_pg), (res_rows, res_pg)):
                text.writelines(
                    "\t".join(_copy_text(v) for v in r[:-2]) + f"\t{stamp_pg}\t{stamp_pg}\n"
                    for r in out_rows
                )
            pickle.dump([r[:-2] + (stamp_sqlite, stamp_sqlite) for r in hh_rows], hh_pickle)
            pickle.dump([r[:-2] + (stamp_sqlite, stamp_sqlite) for r in res_rows], res_pickle)

        run(spool)
    for fh in files:
        fh.close()
    if write:
        path.with_suffix(".floor.json").write_text(
            json.dumps({"county": county, "grids": grids, "households": len(households)})
        )
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": rows,
        "rejected": rejected,
        "households": len(households),
        "workers": WORKERS,
        "peak_mb": _peak_mb(),
    }


def run_floor(path: Path) -> dict:
    """The write floor: the spooled rows, as stored, into the real tables (every index and
    constraint of the migrations), in one transaction."""
    _django()
    from django.db import connection

    from fangkong.core.validators import normalise_text

    village = _village()
    grids = {
        normalise_text(a.name.removeprefix(village.name)): a.pk for a in village.children.all()
    }
    grids[""] = village.pk
    spooled = json.loads(path.with_suffix(".floor.json").read_text())
    # The spool holds area ids: the same fresh schema must give the same ones.
    assert spooled["county"] == village.county_id and spooled["grids"] == grids, spooled
    hh_pg, res_pg, hh_pickle, res_pickle = _spool_paths(path)
    connection.close()
    if os.environ["DATABASE_URL"].startswith("postgres"):
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
            start = time.perf_counter()
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, columns, spool in (
                ("registry_household", HOUSEHOLD_FLOOR_COLUMNS, hh_pg),
                ("registry_resident", RESIDENT_FLOOR_COLUMNS, res_pg),
            ):
                with (
                    spool.open("rb") as fh,
                    cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                ):
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
            conn.commit()
            seconds = time.perf_counter() - start
            cur.execute("SELECT count(*) FROM registry_resident")
            rows = cur.fetchone()[0]
    else:
        import sqlite3

        db = os.environ["DATABASE_URL"].removeprefix("sqlite:///")
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")  # as Django's connections have them
        # The page cache the importer gives its own connection while it writes (a floor must
        # not be slower for want of a setting ours uses).
        from fangkong.registry.importing.bulk import IMPORT_CACHE_KIB

        conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB:d}")
        loading = loading_cpu = 0.0
        cpu = _cpu_seconds()
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table, columns, spool in (
            ("registry_household", HOUSEHOLD_FLOOR_COLUMNS, hh_pickle),
            ("registry_resident", RESIDENT_FLOOR_COLUMNS, res_pickle),
        ):
            marks = ", ".join("?" * len(columns.split(",")))
            with spool.open("rb") as fh:
                while True:
                    began, began_cpu = time.perf_counter(), time.process_time()
                    try:
                        batch = pickle.load(fh)  # noqa: S301 - our own spool
                    except EOFError:
                        break
                    finally:
                        loading += time.perf_counter() - began  # reading the spool is not timed
                        loading_cpu += time.process_time() - began_cpu
                    conn.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                        batch,
                    )
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start - loading
        cpu = _cpu_seconds() - cpu - loading_cpu
        rows = conn.execute("SELECT count(*) FROM registry_resident").fetchone()[0]
        return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "peak_mb": _peak_mb()}
    return {"seconds": seconds, "rows": rows, "peak_mb": _peak_mb()}


def run_import_export(path: Path) -> dict:
    _django()
    import tablib
    from import_export import fields, resources

    from fangkong.core.validators import validate_id_number, validate_phone
    from fangkong.registry.models import Household, Resident, id_index

    village = _village()
    grids = {a.name.removeprefix("前进村"): a for a in village.children.all()}

    class ResidentResource(resources.ModelResource):
        """The same job done the django-import-export way: validate, find the household, save."""

        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号码")
        phone = fields.Field(attribute="phone", column_name="联系电话")

        class Meta:
            model = Resident
            fields = ("name", "id_number", "phone", "household", "id_number_index")
            import_id_fields = ("id_number_index",)

        def before_import_row(self, row, **kwargs):
            row["身份证号码"] = validate_id_number(row["身份证号码"])
            row["联系电话"] = validate_phone(row["联系电话"]) if row["联系电话"] else ""
            row["id_number_index"] = id_index(row["身份证号码"])
            household, _ = Household.objects.get_or_create(
                area=grids[row["网格"]],
                head_name=row["户主姓名"],
                address=row["家庭住址"],
                defaults={"county_id": village.county_id},
            )
            row["household"] = household.pk

    with path.open(encoding="utf-8") as fh:
        dataset = tablib.Dataset().load(fh.read(), format="csv")
    start = time.perf_counter()
    result = ResidentResource().import_data(dataset, raise_errors=False, collect_failed_rows=True)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": len(dataset),
        "created": result.totals.get("new", 0),
        "peak_mb": _peak_mb(),
    }


if __name__ == "__main__":
    mode, file = sys.argv[1], Path(sys.argv[2])
    runner = {
        "fangkong": run_fangkong,
        "copy": run_copy,
        "executemany": run_executemany,
        "import_export": run_import_export,
        "compute": run_compute,
        "floor": run_floor,
    }[mode]
    load_before = os.getloadavg()[0]
    measured = runner(file)
    # The 1-minute load average before and after: the machine is shared, so every figure says
    # how busy it was.
    measured["load"] = [load_before, os.getloadavg()[0]]
    print(json.dumps(measured))
