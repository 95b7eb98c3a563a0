"""Household visits posted to the running server, against their true limit in the same run.

Issue 19: recording a visit of a screening round (``/api/v1/visits/``) is the grid worker's hot
write: the round and household checked in the caller's area, the household's earlier visit no
longer the latest, the visit and its people (each origin matched against the risk areas), an
audit row and a red points entry, in one transaction. This measures it under the load of the
check-in benchmark (``bench/checkins.py``, whose server, clients and figures it reuses): the bare
view, then the limit (``limits.visit``: the same rows written by hand), then the API, each with
--clients keep-alive clients for --seconds. Each visit finds one or two registered residents at
home (one in five just back from 长沙 or 广东深圳) and one in ten a visitor from 湖北武汉 (a risk
area: matched, no case proposed for a visitor with no record); visits of the same household
follow one another, as when a grid worker comes back.

Run: ``make bench-visits`` (VISIT_ARGS="--skip-pg --seconds 5") or
``python -m uv run --frozen --group bench python bench/visits.py --help``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import checkins  # noqa: E402 - the server, the clients and the figures


def setup(households: int) -> dict[str, Any]:
    """Migrate; a village with ``households`` households of two residents, a screening round over
    it, a cadre with a token and a worker record, the county's points for a visit, risk areas."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    import datetime as dt

    import worker
    from django.core.management import call_command
    from django.db import transaction

    from fangkong.accounts.models import Role, User
    from fangkong.accounts.tokens import api_token_issue
    from fangkong.core.clock import today_local
    from fangkong.registry.models import Household, Resident
    from fangkong.screening.models import RiskArea, ScreeningRound

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        village = worker._village()
        grids = list(village.children.order_by("code"))
        user = User.objects.create_user(
            username="bench-cadre", role=Role.VILLAGE_CADRE, area=village
        )
        token_key = api_token_issue(user=user)[1]
        checkins._points_scheme(user, village, "household_visited", 2)
        for i, code in enumerate(["420100000000", "420900000000", "421000000000"]):
            RiskArea.objects.create(
                name=f"风险地区{i}", level="city", code=code, valid_from=dt.date(2020, 1, 1)
            )
        started = today_local() - dt.timedelta(days=10)
        screening_round = ScreeningRound.objects.create(
            area=village, name="全面排查", started_on=started, created_by=user
        )
        homes = []
        for i in range(households):
            household = Household.objects.create(
                area=grids[i % len(grids)], head_name=f"户主{i}", address=f"前进村{i}号"
            )
            members = [
                Resident.objects.create(household=household, name=f"居民{i}-{k}").pk
                for k in range(2)
            ]
            homes.append([household.pk, members])
    days = [(started + dt.timedelta(days=k)).isoformat() for k in range(11)]
    return {"token": token_key, "round": screening_round.pk, "homes": homes, "days": days}


def visit_bodies(client: int, clients: int, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    rng = random.Random(client)
    mine = data["homes"][client::clients]
    while True:
        for household, members in mine:
            people = []
            for resident in members[: rng.choice([1, 2])]:
                person: dict[str, Any] = {"resident": resident, "at_home": True}
                if rng.random() < 0.2:
                    person["travel_from"] = rng.choice(["长沙", "广东深圳"])
                people.append(person)
            if rng.random() < 0.1:
                people.append({"name": "访客", "at_home": True, "travel_from": "湖北武汉"})
            yield json.dumps(
                {
                    "round": data["round"],
                    "household": household,
                    "visited_on": rng.choice(data["days"]),
                    "method": "door",
                    "outcome": "visited",
                    "people": people,
                }
            ).encode()


def bare_bodies(client: int, clients: int, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    body = next(visit_bodies(client, clients, data))
    while True:
        yield body


checkins.PATHS["visits"] = "/api/v1/visits/"
checkins.PATHS["visits-limit"] = "/bench/limit/visits/"
checkins.BODIES["visits"] = visit_bodies
checkins.BODIES["visits-limit"] = visit_bodies
checkins.BODIES["bare"] = bare_bodies


def _setup_in_child(env: dict[str, str], households: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "setup", "--households", str(households)],
        env=os.environ | env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _count(env: dict[str, str]) -> int:
    code = (
        "import django; django.setup();"
        "from fangkong.screening.models import HouseholdVisit;"
        "print(HouseholdVisit.objects.count())"
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


def measure(label: str, env: dict[str, str], args: argparse.Namespace, tmp: Path) -> dict:
    from rich.console import Console

    console = Console(width=130)
    data = _setup_in_child(env, args.households)
    console.print(
        f"bench: {label}: a round over {len(data['homes']):,} households; gunicorn "
        f"{args.workers} gthread workers × {args.threads} threads, {args.clients} clients"
    )
    result = checkins.run_loads(
        label,
        env,
        args,
        tmp,
        data,
        [
            ("bare Django view", "bare"),
            ("limit (same SQL by hand)", "visits-limit"),
            ("visit, API", "visits"),
        ],
    )
    result["written"] = _count(env)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per load")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=min(4, max(2, os.cpu_count() or 2)))
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--profile", metavar="DIR", help="cProfile the server: DIR/<pid>.prof")
    args = parser.parse_args(argv)

    from rich.console import Console
    from run import fresh_env

    console = Console(width=130)
    results = []
    with tempfile.TemporaryDirectory(prefix="fangkong-bench-visits.") as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)
        if not args.skip_sqlite:
            results.append(measure("SQLite (WAL)", fresh_env(tmp), args, tmp))
        if not args.skip_pg:
            import pgcluster

            with pgcluster.cluster() as url:
                results.append(measure("PostgreSQL 15", fresh_env(tmp, url), args, tmp))
    console.print(checkins.table_of("visit", "visits", results, args))
    for r in results:
        console.print(f"  {r['label']}: {r['written']:,} visits in the database after the run")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        p = argparse.ArgumentParser()
        p.add_argument("setup")
        p.add_argument("--households", type=int, required=True)
        a = p.parse_args()
        print(json.dumps(setup(a.households)))
    else:
        main()
