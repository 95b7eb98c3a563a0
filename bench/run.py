"""`make bench`: the register import measured against the physical floor, in the same run, then
the check-in benchmark (bench/checkins.py: check-ins posted to gunicorn vs a bare Django view).

Figures (each beside its baseline, measured now on this machine, because 2-core machines are noisy):
  1. our import into SQLite and into PostgreSQL  vs  the true floor, (a) + (b):
     (a) the write floor: executemany (SQLite) / COPY (PostgreSQL) of the same rows *as stored*
         (encrypted, blind-indexed, with household ids) into the real household and resident
         tables, every index and constraint of the migrations, one transaction;
     (b) the compute floor: validation, normalisation, AES-GCM and HMAC of the same rows in the
         importer's number of worker processes, no database (measured before each database's
         import, so each ratio's figures are from the same minutes);
     goal ≤ 1.5×;
  2. the same imports  vs  executemany / COPY of the raw CSV into an equivalent plain table;
  3. our import of 100k rows     vs  django-import-export importing the same 100k rows
  4. peak memory of our import of the full file (goal: under 1 GB)
Options: --rows N (default 1,000,000), --ie-rows N (default 100,000), --skip-pg, --skip-ie,
--skip-import (check-ins only), --skip-checkins (import only), --skip-reports (no report
roll-up at county size, bench/reports.py); --checkin-seconds N.
E.g. `make bench BENCH_ARGS="--skip-import"`; the check-ins alone: `make bench-checkins`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
import pgcluster  # noqa: E402

console = Console(width=130)


def worker(mode: str, path: Path, env: dict[str, str]) -> dict:
    full_env = os.environ | env | {"DJANGO_SETTINGS_MODULE": "config.settings.base"}
    out = subprocess.run(  # noqa: S603
        [sys.executable, str(HERE / "worker.py"), mode, str(path)],
        env=full_env,
        check=True,
        capture_output=True,
        text=True,
        cwd=HERE.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_database(url: str, name: str) -> str:
    """Another empty database in the same cluster (the write floor's tables start empty)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def fresh_env(tmp: Path, database_url: str | None = None) -> dict[str, str]:
    var = Path(tempfile.mkdtemp(dir=tmp))
    return {
        "FANGKONG_VAR_DIR": str(var),
        "DATABASE_URL": database_url or f"sqlite:///{var}/bench.sqlite3",
        "FANGKONG_SECRET_KEY": secrets.token_urlsafe(32),
        "FANGKONG_FIELD_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", 1_000_000)))
    parser.add_argument("--ie-rows", type=int, default=100_000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-ie", action="store_true")
    parser.add_argument("--skip-import", action="store_true", help="only the check-in benchmark")
    parser.add_argument("--skip-checkins", action="store_true", help="only the import benchmark")
    parser.add_argument("--skip-reports", action="store_true", help="no report roll-up benchmark")
    parser.add_argument("--checkin-seconds", type=float, default=15.0)
    args = parser.parse_args()
    if not args.skip_import:
        import_bench(args)
    if not args.skip_checkins:
        checkins = [
            sys.executable,
            str(HERE / "checkins.py"),
            "--seconds",
            str(args.checkin_seconds),
        ]
        subprocess.run(
            checkins + (["--skip-pg"] if args.skip_pg else []), check=True, cwd=HERE.parent
        )  # noqa: S603
    if not args.skip_reports and not args.skip_pg:
        subprocess.run([sys.executable, str(HERE / "reports.py")], check=True, cwd=HERE.parent)


def import_bench(args: argparse.Namespace) -> None:
    results: list[tuple[str, float, str, float, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="fangkong-bench.") as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)
        big = tmp / "residents.csv"
        started = time.perf_counter()
        generate.write(big, args.rows)
        console.print(
            f"bench: generated {args.rows:,} rows ({big.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f} s"
        )

        def add(label: str, ours: dict, base_label: str, base: dict, goal: float) -> None:
            ratio = ours["seconds"] / base["seconds"]
            results.append(
                (
                    label,
                    ours["seconds"],
                    base_label,
                    base["seconds"],
                    f"{ratio:.1f}×",
                    f"≤ {goal:g}× {'met' if ratio <= goal else 'NOT met'}",
                )
            )
            console.print(
                f"  {label}: {ours['seconds']:.1f} s ({ours['rows'] / ours['seconds']:,.0f} rows/s)"
                f" vs {base_label} {base['seconds']:.1f} s → {ratio:.1f}×"
            )

        def add_floor(label: str, ours: dict, write: dict, compute: dict, kind: str) -> None:
            floor = {"seconds": write["seconds"] + compute["seconds"], "rows": ours["rows"]}
            console.print(
                f"  floor: (a) {kind} as stored {write['seconds']:.1f} s "
                f"+ (b) compute in {compute['workers']} workers {compute['seconds']:.1f} s "
                f"= {floor['seconds']:.1f} s"
            )
            cpu = f"  CPU (user + system) of ours {ours['cpu_seconds']:.1f} s"
            if "cpu_seconds" in write:  # SQLite: the whole write is in the process
                total = write["cpu_seconds"] + compute["cpu_seconds"]
                cpu += (
                    f" vs floor (a) {write['cpu_seconds']:.1f} + (b) "
                    f"{compute['cpu_seconds']:.1f} = {total:.1f} s → "
                    f"{ours['cpu_seconds'] / total:.2f}× (less sensitive to a busy machine)"
                )
            else:  # PostgreSQL: the server's CPU is not counted on either side
                cpu += f" vs (b) {compute['cpu_seconds']:.1f} s (the server's not counted)"
            console.print(cpu)
            add(label, ours, f"floor (a) {kind} + (b) compute", floor, 1.5)

        console.print("bench: SQLite …")
        compute = worker("compute", big, fresh_env(tmp))
        env = fresh_env(tmp)
        ours_sqlite = worker("fangkong", big, env)
        write_floor = worker("floor", big, fresh_env(tmp))
        plain = worker("executemany", big, env)
        label = f"import {args.rows:,} rows, SQLite"
        add_floor(label, ours_sqlite, write_floor, compute, "executemany")
        add(label, ours_sqlite, "executemany of the CSV", plain, 3)
        memory = ours_sqlite["peak_mb"]

        if not args.skip_pg:
            console.print("bench: PostgreSQL …")
            compute = worker("compute", big, fresh_env(tmp))
            with pgcluster.cluster() as url:
                env = fresh_env(tmp, url)
                ours_pg = worker("fangkong", big, env)
                write_floor = worker("floor", big, fresh_env(tmp, fresh_database(url, "floor")))
                copy = worker("copy", big, env)
            label = f"import {args.rows:,} rows, PostgreSQL"
            add_floor(label, ours_pg, write_floor, compute, "COPY")
            add(label, ours_pg, "COPY of the CSV", copy, 2)
            memory = max(memory, ours_pg["peak_mb"])

        if not args.skip_ie:
            console.print(f"bench: django-import-export, {args.ie_rows:,} rows …")
            small = tmp / "residents-small.csv"
            generate.write(small, args.ie_rows)
            ours_small = worker("fangkong", small, fresh_env(tmp))
            ie = worker("import_export", small, fresh_env(tmp))
            ratio = ie["seconds"] / ours_small["seconds"]
            results.append(
                (
                    f"import {args.ie_rows:,} rows, SQLite",
                    ours_small["seconds"],
                    "django-import-export",
                    ie["seconds"],
                    f"{ratio:.0f}× faster",
                    f"≥ 20× {'met' if ratio >= 20 else 'NOT met'}",
                )
            )

    table = Table(title="fangkong import benchmark")
    for column in ("measurement", "ours (s)", "baseline", "baseline (s)", "ratio", "goal"):
        table.add_column(column)
    for label, ours_s, base_label, base_s, ratio_text, goal in results:
        table.add_row(label, f"{ours_s:.1f}", base_label, f"{base_s:.1f}", ratio_text, goal)
    table.add_row(
        f"peak memory, {args.rows:,} rows",
        f"{memory:.0f} MB",
        "",
        "",
        "",
        f"< 1024 MB {'met' if memory < 1024 else 'NOT met'}",
    )
    console.print(table)


if __name__ == "__main__":
    main()
