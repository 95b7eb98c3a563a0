"""Check-ins posted to the running server, measured against their true limit in the same run.

Issue 19: a check-in posted through ``/api/v1/checkins/`` (token auth, a real write: one per
case, date and slot, a fever alert now and then, an audit row, a red points entry) should reach
at least half the throughput of its limit — a view in the same server doing the same database
work by hand (``limits.checkin``: one transaction, the same inserts, the token checked by one
query, no ORM or DRF) — with p99 latency ≤ 100 ms at 32 clients on PostgreSQL and no non-2xx.
A bare Django view (no database) is printed too.

For each database (SQLite file, then a throw-away PostgreSQL 15 unless --skip-pg):
  1. a temp var dir, the database migrated, a village with --cases active observation cases and
     a village cadre with an API token (``setup``, in a child process);
  2. gunicorn serving ``config.wsgi`` with production settings (DEBUG off, ALLOWED_HOSTS, keys
     from the environment) plus ``/bench/bare/`` (``checkins_settings``/``checkins_urls``: the bare
     view lives only here, not in the product's URLs) on 127.0.0.1, a free port;
  3. --clients keep-alive clients (threads over a few processes, http.client) post for --seconds
     to the bare view, then to the limit, then to the API; each after a short warm-up (the limit
     and the API write on alternate days, so never the same check-in). Only 2xx responses count
     as throughput; every other answer is counted and shown. ``--profile DIR`` runs the server
     under cProfile (one ``.prof`` per worker; the throughput of such a run means nothing);
  4. with ``--rate R`` (default ``PEAK_RATE``), the limit and the API again, the clients sending R
     requests a second together on a schedule, latency from each request's due time: the p99
     goal is judged here (at saturation it is clients / throughput, Little's law).

Run: ``make bench-checkins`` (this part only; CHECKIN_ARGS="--skip-pg --seconds 5" to pass
options), or ``make bench`` (import and check-ins; BENCH_ARGS="--skip-import" for check-ins only),
or ``python -m uv run --frozen --group bench python bench/checkins.py --help``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

GOAL_RATIO = 0.5  # requests per second ≥ half the limit's (issue 19)
GOAL_P99_MS = 100.0  # issue 19: at 32 clients on PostgreSQL
# The paced run's rate: a county's morning peak, generously. 50,000 people under observation (the
# report bench's county) all checking in within 8 minutes is 50,000 / 480 s ≈ 104 a second; at
# saturation the 32 clients measure throughput, and their latency is 32 / throughput whatever the
# code (Little's law: 300 req/s → ~107 ms), so p99 ≤ 100 ms is judged at this rate.
PEAK_RATE = 100.0
RAN_OUT = -1  # a client's status when it has no distinct body left to post
RAN_OUT_TEXT = "clients out of distinct bodies (raise --cases / --days)"


# --- CPU: what a load costs the server and the database, beside the wall figures ------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(root: int | None) -> float:
    """CPU seconds (user + system) spent by process ``root`` and every process under it, those
    still running and those already ended and reaped (their time is in their parent's
    cutime/cstime), read from Linux's /proc. 0.0 when ``root`` is None or /proc is missing.

    Wall figures swing 2-4x with what else the machine runs; CPU per request much less, so the
    benches print both (the import bench does the same)."""
    if root is None or not os.path.isdir("/proc"):
        return 0.0
    children: dict[int, list[int]] = {}
    spent: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # ended while we looked
            continue
        fields = raw[raw.rindex(")") + 2 :].split()  # from field 3 (state) on
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        spent[pid] = sum(int(x) for x in fields[11:15]) / _TICK  # utime stime cutime cstime
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += spent.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return total


def database_server_pid(env: dict[str, str]) -> int | None:
    """The PostgreSQL postmaster serving ``env["DATABASE_URL"]`` (the parent of a backend we
    ask for its pid), or None for SQLite, where the database's work runs in the app's process."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    try:
        stat = Path(f"/proc/{row[0]}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


# --- setup: runs in a child process with the benchmark's environment -------------------------


def setup(cases: int, days: int) -> dict[str, Any]:
    """Migrate, then a village with `cases` active cases and a cadre with a token."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    import worker  # the import benchmark's village: 双清区 → 火车站乡 → 前进村, 8 grids
    from django.core.management import call_command
    from django.db import transaction

    from fangkong.accounts.models import Role, User
    from fangkong.accounts.tokens import api_token_issue
    from fangkong.core.clock import today_local
    from fangkong.monitoring.models import (
        Category,
        Mode,
        ObservationCase,
        ObservationPolicy,
        Status,
    )
    from fangkong.registry.models import Household, Resident

    call_command("migrate", verbosity=0)
    today = today_local()
    start = today - dt.timedelta(days=days)
    policy = ObservationPolicy.objects.in_force_on(start)
    assert policy is not None
    with transaction.atomic():
        village = worker._village()
        grids = list(village.children.order_by("code"))
        user = User.objects.create_user(
            username="bench-cadre", role=Role.VILLAGE_CADRE, area=village
        )
        token_key = api_token_issue(user=user)[1]
        _points_scheme(user, village, "checkin_taken", 1)
        residents = []
        for i in range(cases):
            household = Household.objects.create(
                area=grids[i % len(grids)], head_name=f"观察{i}", address=f"前进村{i}号"
            )
            residents.append(Resident.objects.create(household=household, name=f"观察{i}"))
        ObservationCase.objects.bulk_create(
            ObservationCase(
                county_id=village.county_id,
                resident=resident,
                category=Category.RETURNEE,
                mode=Mode.HOME,
                policy=policy,
                period_days=days + 14,
                start_date=start,
                planned_end=start + dt.timedelta(days=days + 14),
                status=Status.ACTIVE,
            )
            for resident in residents
        )
    ids = list(ObservationCase.objects.order_by("pk").values_list("pk", flat=True))
    # Past days only: today's afternoon slot may not have opened yet.
    dates = [(start + dt.timedelta(days=k)).isoformat() for k in range(days)]
    return {"token": token_key, "cases": ids, "dates": dates}


def _points_scheme(user: Any, area: Any, kind: str, points: int) -> None:
    """The county's red points for this work and the user's worker record: each write earns its
    points entry, as in a county that runs the scheme."""
    from fangkong.workforce.models import PointRule, Worker, WorkerKind

    PointRule.objects.get_or_create(
        county_id=area.county_id, kind=kind, defaults={"points": points, "label": kind}
    )
    Worker.objects.get_or_create(
        user=user, defaults={"area": area, "name": user.username, "kind": WorkerKind.CADRE}
    )


def _setup_in_child(env: dict[str, str], cases: int, days: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "setup", "--cases", str(cases), "--days", str(days)],
        env=os.environ | env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving config.wsgi (gthread workers) with the bench-only URLconf."""

    def __init__(
        self, env: dict[str, str], log: Path, workers: int, threads: int, kind: str = "gunicorn"
    ) -> None:
        self.port = _free_port()
        self.log = log
        self.env = os.environ | env | {"DJANGO_SETTINGS_MODULE": "checkins_settings"}
        if kind == "granian":  # the same app, workers and threads on granian (Rust, WSGI)
            self.env["PYTHONPATH"] = f"{HERE}:{ROOT}"
            self.args = [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "config.wsgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--blocking-threads",
                str(threads),
                "--backlog",
                "256",
                "--no-ws",
            ]
            return
        self.args = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--pythonpath",
            str(HERE),
            "--chdir",
            str(ROOT),
            "--keep-alive",
            "30",
            "--backlog",
            "256",
        ]

    def __enter__(self) -> Server:
        self.fh = self.log.open("w")
        self.proc = subprocess.Popen(  # noqa: S603
            self.args, env=self.env, cwd=ROOT, stdout=self.fh, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 240  # a busy machine imports Django slowly
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("POST", "/bench/bare/", body=b"{}")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not answer: {self.log.read_text()[-3000:]}")

    def __exit__(self, *exc: object) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.fh.close()


# --- the clients -------------------------------------------------------------------------------


# Other write benchmarks (bench/passages.py) register their route and their bodies here.
PATHS = {
    "bare": "/bench/bare/",
    "checkins": "/api/v1/checkins/",
    "checkins-limit": "/bench/limit/checkins/",
}
BODIES: dict[str, Any] = {}


def _bodies(kind: str, client: int, clients: int, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    """This client's posts: distinct (case, date, slot) from every other client's."""
    if kind in BODIES:
        yield from BODIES[kind](client, clients, data)
        return
    if kind == "bare":
        body = json.dumps(
            {"case": data["cases"][0], "date": data["dates"][0], "slot": 1, "temperature": "36.5"}
        ).encode()
        while True:
            yield body
    rng = random.Random(client)
    mine = data["cases"][client::clients]
    # The limit and the API write on alternate days, so neither meets the other's check-ins.
    for day in data["dates"][(0 if kind == "checkins-limit" else 1) :: 2]:
        for slot in (1, 2):
            for case in mine:
                # About 2 % fevers: each raises an alert in the same transaction.
                temperature = "37.8" if rng.random() < 0.02 else f"{rng.uniform(36.0, 37.1):.1f}"
                yield json.dumps(
                    {"case": case, "date": day, "slot": slot, "temperature": temperature}
                ).encode()
    # Out of distinct check-ins: the client says so (``RAN_OUT``) and stops.


def _client_thread(
    kind: str,
    client: int,
    clients: int,
    port: int,
    data: dict[str, Any],
    measure_from: float,
    until: float,
    out: list[tuple[float, int, bool]],
    supply: _Supply,
    rate: float = 0.0,
) -> None:
    """One keep-alive client. Closed loop (``rate`` 0): the next request as soon as the answer
    is in. Paced (``rate`` > 0 requests per second over all ``clients``): this client's k-th
    request is due at ``start + (k * clients + client) / rate`` and its latency counts from
    then, so an answer that keeps the next request waiting is charged to that one too (no
    coordinated omission). It takes its bodies from its process's ``supply``, shared with the
    process's other clients."""
    path = PATHS[kind]
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Token {data['token']}",
        "Connection": "keep-alive",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = measure_from - 1.0  # paced: one second of warm-up on the schedule
    for k, body in enumerate(supply):
        if rate:
            due = start + (k * clients + client) / rate
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            started = due
        else:
            started = time.time()
        if started >= until:
            break
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0  # connection error: counted, never throughput
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out.append((time.time() - started, status, started >= measure_from))
    else:
        out.append((0.0, RAN_OUT, True))  # shown among the failures, never throughput
    conn.close()


def _client_process(
    kind: str,
    first: int,
    count: int,
    clients: int,
    port: int,
    data: dict[str, Any],
    measure_from: float,
    until: float,
    queue: Any,
    rate: float = 0.0,
    skip: int = 0,
) -> None:
    results: list[list[tuple[float, int, bool]]] = [[] for _ in range(count)]
    supply = _Supply([_bodies(kind, first + i, clients, data) for i in range(count)], skip=skip)
    threads = [
        threading.Thread(
            target=_client_thread,
            args=(
                kind,
                first + i,
                clients,
                port,
                data,
                measure_from,
                until,
                results[i],
                supply,
                rate,
            ),
        )
        for i in range(count)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((first, [item for part in results for item in part], skip + supply.taken))


class _Supply:
    """The distinct bodies of one client process, shared by its client threads (thread-safe).

    Each client's own sequence (``_bodies``) is taken in turn, one body from each, so every
    client's bodies are used up together. It was one sequence per client: gunicorn's gthread
    workers serve some keep-alive connections far more often than others (seen: 4 of 32 clients
    sent 240-280 bodies while the mean was ~73), so those few clients ran out of distinct
    check-ins while the others had most of theirs left. ``skip`` bodies are passed over first
    (what an earlier load of the same kind took from this process); ``taken`` counts what this
    load took, so a later load starts past it and nothing is posted twice."""

    def __init__(self, sequences: list[Iterator[bytes]], skip: int = 0) -> None:
        self._lock = threading.Lock()
        self._bodies = _round_robin(sequences)
        self.taken = 0
        for _ in itertools.islice(self._bodies, skip):
            pass

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        with self._lock:
            body = next(self._bodies)
            self.taken += 1
            return body


def _round_robin(sequences: list[Iterator[bytes]]) -> Iterator[bytes]:
    """One body from each sequence in turn; a sequence that ends drops out."""
    live = [iter(s) for s in sequences]
    while live:
        for sequence in list(live):
            try:
                yield next(sequence)
            except StopIteration:
                live.remove(sequence)


def load(
    kind: str,
    port: int,
    data: dict[str, Any],
    clients: int,
    seconds: float,
    warmup: float,
    processes: int,
    rate: float = 0.0,
    skip: dict[int, int] | None = None,
    cpu_of: tuple[int | None, int | None] = (None, None),
) -> dict[str, Any]:
    """`clients` concurrent keep-alive clients for warm-up + `seconds`; figures of the window.

    ``rate`` 0: closed loop, each client sends as soon as its last answer is in (the most the
    server does: its throughput; the latency then is clients / throughput by Little's law).
    ``rate`` > 0: the clients together send ``rate`` requests a second on a fixed schedule
    (the latency a user sees at that load, queueing included). Returns ``ok`` (2xx in the
    window), ``rps``, ``p50``/``p99`` (ms), ``failed`` ({status: count}, 0 = connection error),
    ``warmup_failed``, ``rate`` (asked, req/s), ``sent`` ({first client of a process: bodies its
    clients have taken, this load's ``skip`` included}: the ``skip`` of a later load of the same
    kind, with the same ``clients`` and ``processes``), ``app_cpu_ms`` / ``db_cpu_ms`` (CPU
    milliseconds per request answered, warm-up included, of the processes under ``cpu_of``'s
    (app server, database server) pids; 0 when not given)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    app_before, db_before = cpu_seconds(cpu_of[0]), cpu_seconds(cpu_of[1])
    measure_from = time.time() + 1.0 + warmup  # 1 s for the processes to start
    until = measure_from + seconds
    per = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    procs = []
    first = 0
    for count in per:
        p = ctx.Process(
            target=_client_process,
            args=(
                kind,
                first,
                count,
                clients,
                port,
                data,
                measure_from,
                until,
                queue,
                rate,
                (skip or {}).get(first, 0),
            ),
        )
        p.start()
        procs.append(p)
        first += count
    everything: list[tuple[float, int, bool]] = []
    sent: dict[int, int] = {}
    for _ in procs:
        process_first, items, taken = queue.get()
        everything.extend(items)
        sent[process_first] = taken
    for p in procs:
        p.join()
    app_cpu, db_cpu = cpu_seconds(cpu_of[0]) - app_before, cpu_seconds(cpu_of[1]) - db_before
    answered = sum(1 for _, status, _ in everything if status > 0) or 1
    samples = [(latency, status) for latency, status, measured in everything if measured]
    warmup_failed = sum(
        1 for _, status, measured in everything if not measured and status // 100 != 2
    )
    ok = sorted(latency for latency, status in samples if 200 <= status < 300)
    failed: dict[str, int] = {}
    for _, status in samples:
        if not 200 <= status < 300:
            key = {0: "connection error", RAN_OUT: RAN_OUT_TEXT}.get(status, str(status))
            failed[key] = failed.get(key, 0) + 1

    def pct(q: float) -> float:
        return ok[min(len(ok) - 1, int(q * len(ok)))] * 1000 if ok else float("nan")

    return {
        "ok": len(ok),
        "failed": failed,
        "warmup_failed": warmup_failed,
        "rps": len(ok) / seconds,
        "p50": pct(0.50),
        "p99": pct(0.99),
        "rate": rate,
        "sent": sent,
        "app_cpu_ms": app_cpu * 1000 / answered,
        "db_cpu_ms": db_cpu * 1000 / answered,
    }


# --- one database ------------------------------------------------------------------------------


def three_loads(what: str, kind: str) -> list[tuple[str, str]]:
    """The (name, kind) loads of a path, in order: the bare view, the path's limit, its API."""
    return [
        ("bare Django view", "bare"),
        ("limit (same SQL by hand)", f"{kind}-limit"),
        (f"{what}, API", kind),
    ]


def run_loads(
    label: str,
    env: dict[str, str],
    args: argparse.Namespace,
    tmp: Path,
    data: dict[str, Any],
    loads: list[tuple[str, str]],
) -> dict[str, Any]:
    """One gunicorn, then each (name, kind) of ``loads`` in turn against it: the bare view, the
    path's limit (``limits``) and the API path, in the same run and server, as fast as the
    clients go; then, with ``--rate R``, the limit and the API again with the clients sending R
    requests a second (``figures["<kind>@rate"]``)."""
    from rich.console import Console

    console = Console(width=130)
    log = tmp / f"gunicorn-{loads[-1][1]}-{label.split()[0].lower()}.log"
    extra = dict(env)
    if getattr(args, "profile", None):
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        extra["FANGKONG_BENCH_PROFILE"] = str(Path(args.profile).resolve())
    figures: dict[str, Any] = {}
    with Server(
        extra, log, args.workers, args.threads, getattr(args, "server", "gunicorn")
    ) as server:
        common = {
            "port": server.port,
            "data": data,
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "processes": args.client_processes,
            "cpu_of": (server.proc.pid, database_server_pid(env)),
        }
        for name, kind in loads:
            figures[kind] = load(kind, **common)
            console.print(_line(name, figures[kind]))
        rate = getattr(args, "rate", 0.0)
        if rate:
            for name, kind in loads[1:]:
                figures[f"{kind}@rate"] = load(
                    kind, **common, rate=rate, skip=figures[kind]["sent"]
                )
                console.print(_line(f"{name} at {rate:g} req/s", figures[f"{kind}@rate"]))
    locked = sum(
        "database is locked" in line for line in log.read_text(errors="replace").splitlines()
    )
    return {"label": label, "figures": figures, "locked": locked}


def measure(label: str, env: dict[str, str], args: argparse.Namespace, tmp: Path) -> dict:
    from rich.console import Console

    console = Console(width=130)
    started = time.perf_counter()
    data = _setup_in_child(env, args.cases, args.days)
    console.print(
        f"bench: {label}: {len(data['cases']):,} active cases × {len(data['dates'])} days × 2 slots "
        f"ready in {time.perf_counter() - started:.1f} s; {args.server} {args.workers} workers "
        f"× {args.threads} threads, {args.clients} clients"
    )
    result = run_loads(
        label,
        env,
        args,
        tmp,
        data,
        three_loads("check-in", "checkins"),
    )
    result["written"] = count_rows(env, "fangkong.monitoring.models.CheckIn")
    return result


def _line(what: str, r: dict[str, Any]) -> str:
    failed = ", ".join(f"{k}: {v}" for k, v in sorted(r["failed"].items())) or "none"
    return (
        f"  {what}: {r['rps']:,.0f} req/s, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms "
        f"({r['ok']:,} 2xx; failed {failed}; failed in the warm-up: {r['warmup_failed']}); "
        f"CPU a request: app {r['app_cpu_ms']:.2f} ms, database {r['db_cpu_ms']:.2f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_options(parser)
    parser.add_argument("--cases", type=int, default=1000, help="active observation cases")
    parser.add_argument("--days", type=int, default=60, help="past days each case may report")
    args = parser.parse_args(argv)

    from rich.console import Console
    from run import fresh_env

    console = Console(width=130)
    results = []
    with tempfile.TemporaryDirectory(prefix="fangkong-bench-checkins.") as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)
        if not args.skip_sqlite:
            results.append(measure("SQLite (WAL)", fresh_env(tmp), args, tmp))
        if not args.skip_pg:
            import pgcluster

            with pgcluster.cluster() as url:
                results.append(measure("PostgreSQL 15", fresh_env(tmp, url), args, tmp))

    console.print(table_of("check-in", "checkins", results, args))
    for r in results:
        console.print(
            f"  {r['label']}: {r['written']:,} check-ins in the database after the run "
            f"(warm-up included); lines saying 'database is locked' in the server log: {r['locked']}"
        )


def table_of(what: str, kind: str, results: list[dict[str, Any]], args: argparse.Namespace) -> Any:
    """The API path's figures beside its limit's and the bare view's, from the same run: as fast
    as the clients go (throughput: the ratio goal), and at ``--rate`` (latency: the p99 goal)."""
    from rich.table import Table

    rate = getattr(args, "rate", 0.0)
    table = Table(
        title=f"fangkong {what} benchmark: {args.clients} clients, {args.seconds:g} s each, "
        f"gunicorn {args.workers}×{args.threads} gthread"
    )
    columns = [
        "database",
        f"{what} API req/s",
        "limit req/s",
        f"ratio to limit (goal ≥ {GOAL_RATIO})",
        "API p50 / p99 ms, saturated",
        "limit p50 / p99 ms, saturated",
    ]
    if rate:
        columns += [
            f"API p50 / p99 ms at {rate:g} req/s (goal p99 ≤ {GOAL_P99_MS:g})",
            f"limit p50 / p99 ms at {rate:g} req/s",
        ]
    columns += [
        "CPU ms a request, saturated: API app + db / limit app + db",
        "bare view req/s, p50 / p99",
        "non-2xx API / limit (+ warm-up)",
        "locked",
    ]
    for column in columns:
        table.add_column(column)
    for r in results:
        f = r["figures"]
        ours, limit, bare = f[kind], f[f"{kind}-limit"], f["bare"]
        ratio = ours["rps"] / limit["rps"] if limit["rps"] else 0.0
        runs = [ours, limit]
        row = [
            r["label"],
            f"{ours['rps']:,.0f}",
            f"{limit['rps']:,.0f}",
            f"{ratio:.2f} {'met' if ratio >= GOAL_RATIO else 'NOT met'}",
            f"{ours['p50']:.1f} / {ours['p99']:.1f}",
            f"{limit['p50']:.1f} / {limit['p99']:.1f}",
        ]
        if rate:
            paced, paced_limit = f[f"{kind}@rate"], f[f"{kind}-limit@rate"]
            runs += [paced, paced_limit]
            row += [
                f"{paced['p50']:.1f} / {paced['p99']:.1f} ({paced['rps']:,.0f} req/s) "
                f"{'met' if paced['p99'] <= GOAL_P99_MS else 'NOT met'}",
                f"{paced_limit['p50']:.1f} / {paced_limit['p99']:.1f} "
                f"({paced_limit['rps']:,.0f} req/s)",
            ]
        failed = sum(sum(x["failed"].values()) for x in runs[::2])
        failed_limit = sum(sum(x["failed"].values()) for x in runs[1::2])
        warm = sum(x["warmup_failed"] for x in runs)
        row += [
            f"{ours['app_cpu_ms']:.2f} + {ours['db_cpu_ms']:.2f} / "
            f"{limit['app_cpu_ms']:.2f} + {limit['db_cpu_ms']:.2f}",
            f"{bare['rps']:,.0f}, {bare['p50']:.1f} / {bare['p99']:.1f}",
            f"{failed} / {failed_limit} (+ {warm})",
            str(r["locked"]),
        ]
        table.add_row(*row)
    return table


# --- another write path measured the same way (bench/passages.py, bench/visits.py) ----------


@dataclass
class WritePath:
    """A hot write path measured like the check-in: its API route and its limit's, the bodies
    its clients post, and how its script sets up its data (``<script> setup --<size> N`` in a
    child process, printing the data as JSON on its last line)."""

    what: str  # "passage": the table's title and the API's line
    kind: str  # "passages": the API's key in PATHS and BODIES; the limit's is kind + "-limit"
    script: str  # the path's own script (its ``setup`` runs in a child process)
    api: str  # "/api/v1/passages/"
    bodies: Any  # (client, clients, data) -> iterator of bodies, for the API and the limit
    size: str  # the setup's size option: "residents"
    size_default: int
    model: str  # "fangkong.checkpoints.models.Passage": its rows counted after the run
    describe: Any  # data -> what was set up, for the first line of each database's run
    description: str = ""

    def register(self) -> None:
        PATHS[self.kind] = self.api
        PATHS[f"{self.kind}-limit"] = f"/bench/limit/{self.kind}/"
        BODIES[self.kind] = self.bodies
        BODIES[f"{self.kind}-limit"] = self.bodies

        def bare(client: int, clients: int, data: dict[str, Any]):  # type: ignore[no-untyped-def]
            body = next(self.bodies(client, clients, data))
            while True:
                yield body

        BODIES["bare"] = bare


def count_rows(env: dict[str, str], model: str) -> int:
    """Rows of ``model`` (a dotted path) in the benchmark's database."""
    module, name = model.rsplit(".", 1)
    code = (
        f"import django; django.setup(); from {module} import {name}; print({name}.objects.count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=os.environ | env | {"DJANGO_SETTINGS_MODULE": "config.settings.base"},
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return int(out.stdout.strip().splitlines()[-1])


def measure_path(
    path: WritePath, label: str, env: dict[str, str], args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    """One database: the path's data set up, then the bare view, the limit and the API."""
    from rich.console import Console

    out = subprocess.run(
        [sys.executable, path.script, "setup", f"--{path.size}", str(getattr(args, path.size))],
        env=os.environ | env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    Console(width=130).print(
        f"bench: {label}: {path.describe(data)}; gunicorn {args.workers} gthread workers × "
        f"{args.threads} threads, {args.clients} clients"
    )
    result = run_loads(
        label,
        env,
        args,
        tmp,
        data,
        three_loads(path.what, path.kind),
    )
    result["written"] = count_rows(env, path.model)
    return result


def common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per load")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=min(4, max(2, os.cpu_count() or 2)))
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--server", choices=["gunicorn", "granian"], default="gunicorn", help="application server"
    )
    parser.add_argument("--profile", metavar="DIR", help="cProfile the server: DIR/<pid>.prof")
    parser.add_argument(
        "--rate",
        type=float,
        default=PEAK_RATE,
        help="then the limit and the API again with the clients sending this many requests a "
        f"second together (latency at a load, not at saturation; default {PEAK_RATE:g}; 0: skip)",
    )


def main_for(path: WritePath, setup: Any, argv: list[str] | None = None) -> None:
    """The command line of a write path's script: ``setup --<size> N`` (the child that prepares
    the data), or the benchmark itself, with the check-in benchmark's options."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["setup"]:
        p = argparse.ArgumentParser()
        p.add_argument("setup")
        p.add_argument(f"--{path.size}", type=int, required=True)
        a = p.parse_args(argv)
        print(json.dumps(setup(getattr(a, path.size))))
        return
    path.register()
    parser = argparse.ArgumentParser(description=path.description)
    common_options(parser)
    parser.add_argument(f"--{path.size}", type=int, default=path.size_default)
    args = parser.parse_args(argv)

    from rich.console import Console
    from run import fresh_env

    results = []
    with tempfile.TemporaryDirectory(prefix=f"fangkong-bench-{path.kind}.") as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)
        if not args.skip_sqlite:
            results.append(measure_path(path, "SQLite (WAL)", fresh_env(tmp), args, tmp))
        if not args.skip_pg:
            import pgcluster

            with pgcluster.cluster() as url:
                results.append(measure_path(path, "PostgreSQL 15", fresh_env(tmp, url), args, tmp))
    console = Console(width=130)
    console.print(table_of(path.what, path.kind, results, args))
    for r in results:
        console.print(f"  {r['label']}: {r['written']:,} {path.kind} in the database after the run")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        p = argparse.ArgumentParser()
        p.add_argument("setup")
        p.add_argument("--cases", type=int, required=True)
        p.add_argument("--days", type=int, required=True)
        a = p.parse_args()
        print(json.dumps(setup(a.cases, a.days)))
    else:
        main()
