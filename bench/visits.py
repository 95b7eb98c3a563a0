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

import json
import os
import random
import sys
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


PATH = checkins.WritePath(
    what="visit",
    kind="visits",
    script=__file__,
    api="/api/v1/visits/",
    bodies=visit_bodies,
    size="households",
    size_default=1000,
    model="fangkong.screening.models.HouseholdVisit",
    describe=lambda data: f"a round over {len(data['homes']):,} households",
    description=__doc__.split("\n\n")[0],
)


if __name__ == "__main__":
    checkins.main_for(PATH, setup)
