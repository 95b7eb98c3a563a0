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

import functools
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


def passage_bodies(client: int, clients: int, data: dict[str, Any], limit: bool = False):  # type: ignore[no-untyped-def]
    """This client's passages. The limit and the API draw from their own plates (湘E / 湘F) and
    their own half of the residents, so that neither meets the other's passages as repeats: each
    sees only the repeats its own clients make (the API ran right after the limit with the same
    bodies and answered nearly every post as a repeat, writing nothing)."""
    rng = random.Random(f"{'limit' if limit else 'api'}-{client}")
    half = len(data["ids"]) // 2
    ids = data["ids"][:half] if limit else data["ids"][half:]
    province = "湘E" if limit else "湘F"
    while True:
        direction = rng.choice(["in", "out"])
        body = {
            "checkpoint": data["checkpoint"],
            "direction": direction,
            "subject": "vehicle",
            "plate": f"{province}{rng.choice(PLATES)}{rng.randint(1000, 9999)}",
            "vehicle_type": "car",
            "people": rng.randint(1, 4),
            "name": "司机",
            "phone": f"139{rng.randint(10000000, 99999999)}",
            "travel_from": rng.choice(FROM),
            "temperature": f"{rng.uniform(36.0, 37.1):.1f}",
            "outcome": "turned_back" if rng.random() < 0.05 else "allowed",
        }
        if rng.random() < 0.25:
            body["id_number"] = rng.choice(ids)
        if direction == "in" and body["travel_from"] == "湖北武汉":  # everyone on board, by name
            body["occupants"] = [
                {"name": f"乘客{k}", "phone": f"138{rng.randint(10000000, 99999999)}"}
                for k in range(body["people"])
            ]
        yield json.dumps(body).encode()


class _PassagePath(checkins.WritePath):
    def register(self) -> None:
        super().register()
        checkins.BODIES[f"{self.kind}-limit"] = functools.partial(passage_bodies, limit=True)


PATH = _PassagePath(
    what="passage",
    kind="passages",
    script=__file__,
    api="/api/v1/passages/",
    bodies=passage_bodies,
    size="residents",
    size_default=1000,
    model="fangkong.checkpoints.models.Passage",
    describe=lambda data: f"a checkpoint, {len(data['ids']):,} registered residents",
    description=__doc__.split("\n\n")[0],
)


if __name__ == "__main__":
    checkins.main_for(PATH, setup)
