"""One measured job in a fresh process (so peak memory is its own): prints one JSON line.

worker.py fangkong FILE        our importer (DATABASE_URL decides SQLite or PostgreSQL)
worker.py copy FILE            PostgreSQL COPY of the same CSV into an equivalent table
worker.py executemany FILE     SQLite executemany of the same rows into an equivalent table
worker.py import_export FILE   django-import-export importing the same rows
"""

from __future__ import annotations

import csv
import json
import os
import resource
import sys
import time
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
    start = time.perf_counter()
    workers = min(os.cpu_count() or 1, 4)  # as `fangkong import_residents` does
    result = residents_import(
        source=path, filename=path.name, area=village, by=None, workers=workers
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
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
        cur.execute("SELECT count(*) FROM bench_plain")
        rows = cur.fetchone()[0]
    return {"seconds": seconds, "rows": rows, "peak_mb": _peak_mb()}


def run_executemany(path: Path) -> dict:
    import sqlite3

    db = Path(os.environ["FANGKONG_VAR_DIR"]) / "plain.sqlite3"
    conn = sqlite3.connect(db)
    cols = ", ".join(f"{c} text" for c in PLAIN_COLUMNS)
    conn.execute(f"CREATE TABLE bench_plain (id integer primary key, {cols})")
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
    rows = conn.execute("SELECT count(*) FROM bench_plain").fetchone()[0]
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
    }[mode]
    print(json.dumps(runner(file)))
