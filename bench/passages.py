"""Passages registered at a checkpoint, posted to the running server, against their true limit.

Issue 19: registering a passage is one request with a constant number of queries
(``fangkong/checkpoints/tests/test_speed.py`` asserts the count); this measures it under the same
concurrent load as the check-in benchmark (``bench/checkins.py``, whose server, clients and
figures it reuses): gunicorn with production settings on 127.0.0.1, --clients keep-alive clients
posting for --seconds to the bare view, then to the limit (``limits.passage``: the same rows
written by hand in one transaction), then to ``/api/v1/passages/`` with a checkpoint staff
member's token. Each passage is a vehicle with a validated plate, a phone (encrypted), where from
(matched against the risk areas: a vehicle coming in from one lists its people with their
phones), a temperature, and one in four an ID number found among the village's registered
residents (blind index; the same car or person twice within two minutes is answered as a repeat,
200, nothing written); about 5 % are turned back.

Run: ``python -m uv run --frozen --group bench python bench/passages.py --skip-pg --seconds 5``
(``--help`` for the options, the same as the check-in benchmark's).
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

PLATES = "ABCDEFGHJKLMN"
FROM = ["湖北武汉", "长沙", "邵阳", "广东深圳", "本村"]


def setup(residents: int) -> dict[str, Any]:
    """Migrate; a checkpoint of the bench village, its staff with a token, registered residents
    with ID numbers, a few risk areas."""
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
    from fangkong.checkpoints.models import Checkpoint
    from fangkong.core.validators import id_check_char
    from fangkong.registry.models import Household, Resident
    from fangkong.screening.models import RiskArea

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        village = worker._village()
        grids = list(village.children.order_by("code"))
        checkpoint = Checkpoint.objects.create(
            area=village, name="前进村东口", kind="village_entrance"
        )
        user = User.objects.create_user(
            username="bench-staff", role=Role.CHECKPOINT_STAFF, area=village
        )
        token_key = api_token_issue(user=user)[1]
        for i, code in enumerate(["420100000000", "420900000000", "421000000000"]):
            RiskArea.objects.create(
                name=f"风险地区{i}", level="city", code=code, valid_from=dt.date(2020, 1, 1)
            )
        numbers = []
        for i in range(residents):
            household = Household.objects.create(
                area=grids[i % len(grids)], head_name=f"居民{i}", address=f"前进村{i}号"
            )
            first17 = f"430599{dt.date(1960, 1, 1) + dt.timedelta(days=i):%Y%m%d}{i % 100:02d}1"
            number = first17 + id_check_char(first17)
            Resident.objects.create(household=household, name=f"居民{i}", id_number=number)
            numbers.append(number)
    return {"token": token_key, "checkpoint": checkpoint.pk, "ids": numbers}


def passage_bodies(client: int, clients: int, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    rng = random.Random(client)
    while True:
        direction = rng.choice(["in", "out"])
        body = {
            "checkpoint": data["checkpoint"],
            "direction": direction,
            "subject": "vehicle",
            "plate": f"湘E{rng.choice(PLATES)}{rng.randint(1000, 9999)}",
            "vehicle_type": "car",
            "people": rng.randint(1, 4),
            "name": "司机",
            "phone": f"139{rng.randint(10000000, 99999999)}",
            "travel_from": rng.choice(FROM),
            "temperature": f"{rng.uniform(36.0, 37.1):.1f}",
            "outcome": "turned_back" if rng.random() < 0.05 else "allowed",
        }
        if rng.random() < 0.25:
            body["id_number"] = rng.choice(data["ids"])
        if direction == "in" and body["travel_from"] == "湖北武汉":  # everyone on board, by name
            body["occupants"] = [
                {"name": f"乘客{k}", "phone": f"138{rng.randint(10000000, 99999999)}"}
                for k in range(body["people"])
            ]
        yield json.dumps(body).encode()


def bare_bodies(client: int, clients: int, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    body = next(passage_bodies(client, clients, data))
    while True:
        yield body


checkins.PATHS["passages"] = "/api/v1/passages/"
checkins.PATHS["passages-limit"] = "/bench/limit/passages/"
checkins.BODIES["passages"] = passage_bodies
checkins.BODIES["passages-limit"] = passage_bodies
checkins.BODIES["bare"] = bare_bodies


def _setup_in_child(env: dict[str, str], residents: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "setup", "--residents", str(residents)],
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
        "from fangkong.checkpoints.models import Passage; print(Passage.objects.count())"
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
    data = _setup_in_child(env, args.residents)
    console.print(
        f"bench: {label}: a checkpoint, {len(data['ids']):,} registered residents; gunicorn "
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
            ("limit (same SQL by hand)", "passages-limit"),
            ("passage, API", "passages"),
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
    parser.add_argument("--residents", type=int, default=1000, help="registered residents")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--profile", metavar="DIR", help="cProfile the server: DIR/<pid>.prof")
    args = parser.parse_args(argv)

    from rich.console import Console
    from run import fresh_env

    console = Console(width=130)
    results = []
    with tempfile.TemporaryDirectory(prefix="fangkong-bench-passages.") as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)
        if not args.skip_sqlite:
            results.append(measure("SQLite (WAL)", fresh_env(tmp), args, tmp))
        if not args.skip_pg:
            import pgcluster

            with pgcluster.cluster() as url:
                results.append(measure("PostgreSQL 15", fresh_env(tmp, url), args, tmp))
    console.print(checkins.table_of("passage", "passages", results, args))
    for r in results:
        console.print(f"  {r['label']}: {r['written']:,} passages in the database after the run")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        p = argparse.ArgumentParser()
        p.add_argument("setup")
        p.add_argument("--residents", type=int, required=True)
        a = p.parse_args()
        print(json.dumps(setup(a.residents)))
    else:
        main()
