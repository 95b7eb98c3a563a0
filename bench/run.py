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
Rounds: each database's (compute floor, ours, write floor) is measured --rounds times (default 3
up to 200,000 rows, else 1), in alternating order, so a burst of load on the shared machine does
not always fall on the same side; the table shows the median round and the spread, and the goal
must hold in every round. Every figure is printed with its CPU seconds and the 1-minute load
average before and after it.
Options: --rows N (default 1,000,000), --ie-rows N (default 100,000), --skip-pg, --skip-ie,
--skip-import (check-ins only), --skip-checkins (import only), --skip-reports (no report
roll-up at county size, bench/reports.py); --checkin-seconds N; --rounds N.
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
from collections.abc import Callable
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
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds of (compute floor, ours, write floor), alternating order (default: 3 up to "
        "200,000 rows, else 1)",
    )
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 3 if args.rows <= 200_000 else 1
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


def _figure(label: str, measured: dict) -> str:
    """A measurement as printed: wall, CPU when known, the load average around it."""
    cpu = f", {measured['cpu_seconds']:.1f} s CPU" if "cpu_seconds" in measured else ""
    before, after = measured["load"]
    return f"{label} {measured['seconds']:.1f} s wall{cpu} (load {before:.1f}→{after:.1f})"


def import_bench(args: argparse.Namespace) -> None:
    results: list[tuple[str, str, str, str, str, str]] = []
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

        def add(
            label: str, ours: dict, base_label: str, base: dict, goal: float, cpu_too: bool
        ) -> None:
            """``cpu_too``: both sides' CPU is in the processes measured (SQLite; on PostgreSQL
            the server's is not, so the client's would flatter COPY)."""
            ratio = ours["seconds"] / base["seconds"]
            cpu = ""
            if cpu_too:
                cpu = f" (CPU {ours['cpu_seconds'] / base['cpu_seconds']:.2f}×)"
            results.append(
                (
                    label,
                    f"{ours['seconds']:.1f}",
                    base_label,
                    f"{base['seconds']:.1f}",
                    f"{ratio:.1f}×{cpu}",
                    f"≤ {goal:g}× {'met' if ratio <= goal else 'NOT met'}",
                )
            )
            console.print(
                f"  {label}: {ours['seconds']:.1f} s ({ours['rows'] / ours['seconds']:,.0f} rows/s)"
                f" vs {base_label} {base['seconds']:.1f} s → {ratio:.1f}×{cpu}"
            )

        def floor_round(kind: str, database: Callable[[str], str | None], turn: int) -> dict:
            """One round: the compute floor, ours and the write floor, one after the other (the
            order reversed every other round, so a burst of load on a shared machine does not
            always fall on the same side)."""
            jobs = {
                "compute": lambda: worker("compute", big, fresh_env(tmp)),
                "ours": lambda: worker("fangkong", big, fresh_env(tmp, database(f"ours{turn}"))),
                "write": lambda: worker("floor", big, fresh_env(tmp, database(f"floor{turn}"))),
            }
            order = list(jobs) if turn % 2 == 0 else list(reversed(jobs))
            if turn == 0:  # the write floor reads the rows as stored that the compute floor spools
                order = ["compute", *[o for o in order if o != "compute"]]
            measured = {name: jobs[name]() for name in order}
            ours, write, compute = measured["ours"], measured["write"], measured["compute"]
            floor = write["seconds"] + compute["seconds"]
            console.print(f"  round {turn + 1} ({' → '.join(order)}):")
            console.print(f"    {_figure('ours', ours)}")
            console.print(f"    {_figure(f'floor (a) {kind} as stored', write)}")
            console.print(
                f"    {_figure(f'floor (b) compute in {compute["workers"]} workers', compute)}"
            )
            ratio = ours["seconds"] / floor
            line = f"    ours / ((a) + (b)) = {ours['seconds']:.1f} / {floor:.1f} s = {ratio:.2f}×"
            if "cpu_seconds" in write:  # SQLite: the whole write is in the process
                cpu_floor = write["cpu_seconds"] + compute["cpu_seconds"]
                line += (
                    f"; CPU {ours['cpu_seconds']:.1f} / {cpu_floor:.1f} s = "
                    f"{ours['cpu_seconds'] / cpu_floor:.2f}×"
                )
            else:  # PostgreSQL: the server's CPU is counted on neither side
                line += (
                    f"; CPU of ours {ours['cpu_seconds']:.1f} s vs (b) "
                    f"{compute['cpu_seconds']:.1f} s (the server's not counted)"
                )
            console.print(line)
            return {"ratio": ratio, **measured}

        def add_floor(label: str, kind: str, rounds: list[dict]) -> dict:
            """The rounds' median ratio in the table, and the worst beside it: the goal must hold
            in every round."""
            ranked = sorted(rounds, key=lambda r: r["ratio"])
            middle, worst = ranked[len(ranked) // 2], ranked[-1]
            spread = (
                f" (rounds {ranked[0]['ratio']:.2f}–{worst['ratio']:.2f}×)"
                if len(ranked) > 1
                else ""
            )
            floor = middle["write"]["seconds"] + middle["compute"]["seconds"]
            results.append(
                (
                    label + (f", median of {len(rounds)} rounds" if len(rounds) > 1 else ""),
                    f"{middle['ours']['seconds']:.1f}",
                    f"floor (a) {kind} + (b) compute",
                    f"{middle['write']['seconds']:.1f} + {middle['compute']['seconds']:.1f} = {floor:.1f}",
                    f"{middle['ratio']:.2f}×{spread}",
                    f"≤ 1.5× {'met' if worst['ratio'] <= 1.5 else 'NOT met'}"
                    + (" in every round" if len(rounds) > 1 else ""),
                )
            )
            return middle["ours"]

        console.print(f"bench: SQLite ({args.rounds} round(s)) …")
        rounds = [
            floor_round("executemany", lambda name: None, turn) for turn in range(args.rounds)
        ]
        label = f"import {args.rows:,} rows, SQLite"
        ours_sqlite = add_floor(label, "executemany", rounds)
        plain = worker("executemany", big, fresh_env(tmp))
        console.print(f"  {_figure('executemany of the CSV', plain)}")
        add(label, ours_sqlite, "executemany of the CSV", plain, 3, cpu_too=True)
        memory = max(r["ours"]["peak_mb"] for r in rounds)

        if not args.skip_pg:
            console.print(f"bench: PostgreSQL ({args.rounds} round(s)) …")
            with pgcluster.cluster() as url:
                rounds = [
                    floor_round("COPY", lambda name: fresh_database(url, name), turn)
                    for turn in range(args.rounds)
                ]
                copy = worker("copy", big, fresh_env(tmp, fresh_database(url, "plain")))
            console.print(f"  {_figure('COPY of the CSV', copy)}")
            label = f"import {args.rows:,} rows, PostgreSQL"
            ours_pg = add_floor(label, "COPY", rounds)
            add(label, ours_pg, "COPY of the CSV", copy, 2, cpu_too=False)
            memory = max(memory, *(r["ours"]["peak_mb"] for r in rounds))

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
                    f"{ours_small['seconds']:.1f}",
                    "django-import-export",
                    f"{ie['seconds']:.1f}",
                    f"{ratio:.0f}× faster",
                    f"≥ 20× {'met' if ratio >= 20 else 'NOT met'}",
                )
            )

    table = Table(title=f"fangkong import benchmark (load average now {os.getloadavg()[0]:.1f})")
    for column in ("measurement", "ours (s)", "baseline", "baseline (s)", "ratio", "goal"):
        table.add_column(column)
    for row in results:
        table.add_row(*row)
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
