"""Checkpoints, passes, duty and red points for 火车站乡 (seeds 000, 001 and 003 in one township).

- A checkpoint at the entrance of each of the six villages, a quarantine station on the county
  road and the gate of 古塘社区's compound, each with a post staffed round the clock (24 hours in
  three shifts, two people a shift) and a QR poster.
- A week of passages up to now: people on foot and vehicles in and out, a few turned back (劝返),
  one referred and one sent to the fever clinic; 30 household passes of 前进村 (one person out
  every two days for shopping) and their uses.
- The party members of each village (17 in 前进村, each in contact with about 10 households,
  seed 000), the village branches and two temporary branches, the township's team sent to the
  villages; the demo grid worker, checkpoint staff and village cadre have worker records (the
  cadre is 前进村's branch secretary).
- The week's roster with clock-ins (some late, one missed), a gap tonight, and the red points
  every shift worked earned (scheme: shift 5, household visited 2, check-in 1, errand 3).

Deterministic (a fixed seed) and idempotent: a second run finds the checkpoints and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.checkpoints.models import (
    Checkpoint,
    CheckpointKind,
    Direction,
    HouseholdPass,
    Outcome,
    Passage,
    PassageSource,
    Subject,
    VehicleType,
)
from fangkong.core.clock import local_tz
from fangkong.registry.demo import GIVEN, SURNAMES, TOWNSHIP, VILLAGES
from fangkong.registry.models import Household
from fangkong.workforce.models import (
    HouseholdContact,
    PartyBranch,
    PointRule,
    Post,
    PostKind,
    Shift,
    ShiftAssignment,
    ShiftPattern,
    Team,
    TeamMember,
    Worker,
    WorkerKind,
)
from fangkong.workforce.services import SHIFT_WORKED, points_grant

DAYS = 7
MEMBERS_PER_VILLAGE = 17
HOUSEHOLDS_PER_MEMBER = 10
PASSES = 30
SCHEME = [
    (SHIFT_WORKED, "值班一班", 5),
    ("household_visited", "入户走访一户", 2),
    ("checkin_taken", "测温上报一次", 1),
    ("errand_done", "代办一件", 3),
]
FROM = ["长沙", "邵阳市区", "双清区", "湖南衡阳", "广东深圳", "湖北武汉", "隆回", "本村"]
WHY = ["买菜", "就医", "运送物资", "返岗", "探亲", "送货"]
PLATE_LETTERS = "ABCDEFGHJKLMN"


def _name(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
    )


def _plate(rng: random.Random) -> str:
    if rng.random() < 0.2:  # a green new-energy plate
        return f"湘E{rng.choice('DF')}{rng.randint(10000, 99999)}"
    return f"湘{rng.choice('EEEA')}{rng.choice(PLATE_LETTERS)}{rng.randint(1000, 9999)}"


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=local_tz())


@transaction.atomic
def build_workforce(areas: dict[str, Area], *, now: dt.datetime | None = None) -> dict[str, int]:
    township = areas[TOWNSHIP[1]]
    if Checkpoint.objects.in_area(township).exists():
        return {}
    now = now or timezone.now()
    today = timezone.localdate(now, local_tz())
    first = today - dt.timedelta(days=DAYS - 1)
    rng = random.Random(20200203)  # noqa: S311 - demo data
    county = township.county
    assert county is not None
    users = User.objects.in_bulk(
        ["grid_worker", "checkpoint_staff", "village_cadre", "township_officer"],
        field_name="username",
    )
    for kind, label, points in SCHEME:
        PointRule.objects.get_or_create(
            county=county, kind=kind, defaults={"label": label, "points": points}
        )
    pattern, _ = ShiftPattern.objects.get_or_create(
        name="24小时三班", defaults={"starts": ["00:00", "08:00", "16:00"], "hours": 8}
    )

    # Checkpoints and their posts.
    checkpoints: list[Checkpoint] = []
    for name, code, _households, _grids in VILLAGES:
        checkpoints.append(
            Checkpoint.objects.create(
                area=areas[code], name=f"{name}村口卡口", kind=CheckpointKind.VILLAGE_ENTRANCE
            )
        )
    checkpoints.append(
        Checkpoint.objects.create(
            area=township, name="火车站乡县道检疫站", kind=CheckpointKind.ROAD_STATION
        )
    )
    checkpoints.append(
        Checkpoint.objects.create(
            area=areas["430502005204"],
            name="古塘社区小区门岗",
            kind=CheckpointKind.GATE,
            opens_at=dt.time(6),
            closes_at=dt.time(22),
        )
    )
    posts = [
        Post.objects.create(
            area=c.area, name=c.name, kind=PostKind.CHECKPOINT, checkpoint=c, min_staff=2
        )
        for c in checkpoints
    ]
    qianjin_post = posts[0]

    # People at work, their branches and the township's team.
    workers: list[Worker] = []
    branches: list[PartyBranch] = []
    by_village: dict[str, list[Worker]] = {}
    for name, code, _households, _grids in VILLAGES:
        village = areas[code]
        members = Worker.objects.bulk_create(
            [
                Worker(
                    county_id=county.pk,
                    area=village,
                    name=_name(rng),
                    kind=WorkerKind.PARTY_MEMBER,
                    party_member=True,
                )
                for _ in range(MEMBERS_PER_VILLAGE)
            ]
        )
        by_village[code] = members
        workers.extend(members)
        branch = PartyBranch.objects.create(
            area=village, name=f"{name}党支部", secretary=members[0]
        )
        branch.members.set(members)
        branches.append(branch)
    qianjin = areas["430502005201"]
    linked = {
        "village_cadre": Worker.objects.create(
            area=qianjin,
            name="前进村村干部",
            kind=WorkerKind.CADRE,
            party_member=True,
            user=users.get("village_cadre"),
        ),
        "checkpoint_staff": Worker.objects.create(
            area=qianjin,
            name="前进村卡口值守",
            kind=WorkerKind.VOLUNTEER,
            user=users.get("checkpoint_staff"),
        ),
        "grid_worker": Worker.objects.create(
            area=areas["430502005201/01"],
            name="前进村1网格员",
            kind=WorkerKind.PARTY_MEMBER,
            user=users.get("grid_worker"),
        ),
    }
    branches[0].secretary = linked["village_cadre"]
    branches[0].save(update_fields=["secretary"])
    branches[0].members.add(*linked.values())
    temporary = [
        PartyBranch.objects.create(
            area=township,
            name="火车站乡卡口值守临时党支部",
            temporary=True,
            set_up_on=first,
            secretary=linked["village_cadre"],
        ),
        PartyBranch.objects.create(
            area=areas["430502005204"],
            name="古塘社区疫情防控临时党支部",
            temporary=True,
            set_up_on=first,
        ),
    ]
    temporary[0].members.set([*by_village["430502005201"][:8], *linked.values()])
    temporary[1].members.set(by_village["430502005204"][:10])
    team = Team.objects.create(
        area=township, name="乡机关下沉工作队", description="乡机关党员干部下沉到村"
    )
    cadres = Worker.objects.bulk_create(
        [
            Worker(
                county_id=county.pk,
                area=township,
                name=_name(rng),
                kind=WorkerKind.CADRE,
                party_member=True,
                organisation="火车站乡人民政府",
            )
            for _ in range(12)
        ]
    )
    TeamMember.objects.bulk_create(
        [
            TeamMember(
                county_id=county.pk,
                team=team,
                worker=w,
                serves_in=areas[VILLAGES[i % len(VILLAGES)][1]],
            )
            for i, w in enumerate(cadres)
        ]
    )
    team.dispatched_to.set([areas[code] for _n, code, _h, _g in VILLAGES])

    # 联户: 17 members of 前进村 and the grid worker, about 10 households each (seed 000).
    households = list(
        Household.objects.in_area(qianjin).order_by("pk").values_list("pk", flat=True)
    )
    contacts_of = [*by_village["430502005201"], linked["grid_worker"]]
    HouseholdContact.objects.bulk_create(
        [
            HouseholdContact(county_id=county.pk, worker=w, household_id=households[i * 10 + j])
            for i, w in enumerate(contacts_of)
            for j in range(HOUSEHOLDS_PER_MEMBER)
            if i * 10 + j < len(households)
        ]
    )

    # The week's roster: two people a shift from the village's members (the road station and
    # the gate from 前进村's and 古塘社区's), clock-ins up to now.
    staff_pool = {posts[i].pk: by_village[code] for i, (_n, code, _h, _g) in enumerate(VILLAGES)}
    staff_pool[posts[6].pk] = cadres
    staff_pool[posts[7].pk] = by_village["430502005204"]
    shifts: list[Shift] = []
    for post in posts:
        for offset in range(DAYS + 1):
            day = first + dt.timedelta(days=offset)
            for start in pattern.start_times():
                starts_at = dt.datetime.combine(day, start, tzinfo=local_tz())
                shifts.append(
                    Shift(
                        county_id=county.pk,
                        post=post,
                        day=day,
                        starts_at=starts_at,
                        ends_at=starts_at + dt.timedelta(hours=pattern.hours),
                        min_staff=2,
                    )
                )
    Shift.objects.bulk_create(shifts)
    current = next(
        s for s in shifts if s.post_id == qianjin_post.pk and s.starts_at <= now < s.ends_at
    )
    tonight_gap = next(
        s
        for s in shifts
        if s.post_id == posts[5].pk
        and s.day == today
        and s.starts_at.astimezone(local_tz()).hour == 16
    )
    assignments: list[ShiftAssignment] = []
    for n, shift in enumerate(shifts):
        pool = staff_pool[shift.post_id]
        people = [pool[(2 * n) % len(pool)], pool[(2 * n + 1) % len(pool)]]
        if shift.pk == tonight_gap.pk:
            people = people[:1]
        if shift.pk == current.pk or (
            shift.post_id == qianjin_post.pk and shift.starts_at == current.ends_at
        ):
            people = [linked["checkpoint_staff"], people[0]]
        for worker in people:
            clock_in = clock_out = None
            late = False
            if shift.starts_at <= now:
                if rng.random() < 0.03 and shift.pk != current.pk:
                    pass  # missed
                else:
                    minutes = rng.choice([-15, -10, -5, -2, 0, 3, 8, 25])
                    clock_in = shift.starts_at + dt.timedelta(minutes=minutes)
                    late = minutes > 10
                    if shift.ends_at <= now:
                        clock_out = shift.ends_at + dt.timedelta(minutes=rng.randint(0, 10))
            assignments.append(
                ShiftAssignment(
                    county_id=county.pk,
                    shift=shift,
                    worker=worker,
                    clock_in_at=min(clock_in, now) if clock_in else None,
                    clock_out_at=clock_out,
                    late=late,
                )
            )
    ShiftAssignment.objects.bulk_create(assignments)
    granted = 0
    for assignment in assignments:
        if assignment.clock_out_at is not None:
            entry = points_grant(
                record=assignment,
                kind=SHIFT_WORKED,
                day=assignment.shift.day,
                worker=assignment.worker,
            )
            granted += entry.points if entry else 0

    # A week of passages.
    passages: list[Passage] = []
    for offset in range(DAYS):
        day = first + dt.timedelta(days=offset)
        for checkpoint in checkpoints:
            for _ in range(rng.randint(18, 40)):
                at = _local(day, rng.randint(6, 21), rng.randint(0, 59))
                if at > now:
                    continue
                vehicle = rng.random() < 0.35
                roll = rng.random()
                outcome = Outcome.TURNED_BACK if roll < 0.08 else Outcome.ALLOWED
                passages.append(
                    Passage(
                        county_id=county.pk,
                        checkpoint=checkpoint,
                        at=at,
                        day=day,
                        direction=rng.choice([Direction.IN, Direction.OUT]),
                        subject=Subject.VEHICLE if vehicle else Subject.PERSON,
                        plate=_plate(rng) if vehicle else "",
                        vehicle_type=rng.choice(
                            [
                                VehicleType.CAR,
                                VehicleType.CAR,
                                VehicleType.TRUCK,
                                VehicleType.TRICYCLE,
                            ]
                        )
                        if vehicle
                        else "",
                        people=rng.randint(1, 4) if vehicle else 1,
                        name=_name(rng),
                        travel_from=rng.choice(FROM),
                        purpose=rng.choice(WHY),
                        temperature=Decimal(f"36.{rng.randint(1, 9)}"),
                        outcome=outcome,
                        source=PassageSource.STAFF,
                        by=users.get("checkpoint_staff"),
                    )
                )
    # One referred (from 武汉) and one fever sent to the clinic, yesterday at 前进村.
    yesterday = today - dt.timedelta(days=1)
    phone = "15400000001"  # encrypted by the field
    passages += [
        Passage(
            county_id=county.pk,
            checkpoint=checkpoints[0],
            at=_local(yesterday, 10),
            day=yesterday,
            direction=Direction.IN,
            subject=Subject.PERSON,
            name="返乡人员",
            phone=phone,
            travel_from="湖北武汉",
            origin_name="湖北省武汉市",
            via_risk_area=True,
            temperature=Decimal("36.8"),
            outcome=Outcome.REFERRED,
            by=users.get("checkpoint_staff"),
        ),
        Passage(
            county_id=county.pk,
            checkpoint=checkpoints[0],
            at=_local(yesterday, 15),
            day=yesterday,
            direction=Direction.IN,
            subject=Subject.PERSON,
            name="发热人员",
            phone=phone,
            travel_from="长沙",
            origin_name="湖南省长沙市",
            temperature=Decimal("37.8"),
            outcome=Outcome.FEVER_CLINIC,
            by=users.get("checkpoint_staff"),
        ),
    ]
    # Passes of 前进村: one person out every two days, used now and then.
    cadre = users.get("village_cadre") or users.get("township_officer")
    passes = []
    for i, pk in enumerate(households[:PASSES]):
        passes.append(
            HouseholdPass(
                county_id=county.pk,
                household_id=pk,
                number=f"201{i + 1:06d}",
                valid_from=first,
                valid_until=first + dt.timedelta(days=27),
                uses_allowed=1,
                every_days=2,
                rule_note="买菜",
                issued_by=cadre,
            )
        )
    HouseholdPass.objects.bulk_create(passes)
    heads = dict(
        Household.objects.filter(pk__in=households[:PASSES]).values_list("pk", "head_name")
    )
    for household_pass in passes:
        for offset in range(0, DAYS, 2):
            day = first + dt.timedelta(days=offset)
            at = _local(day, rng.randint(8, 11), rng.randint(0, 59))
            if at > now or rng.random() < 0.4:
                continue
            passages.append(
                Passage(
                    county_id=county.pk,
                    checkpoint=checkpoints[0],
                    at=at,
                    day=day,
                    direction=Direction.OUT,
                    subject=Subject.PERSON,
                    name=heads[household_pass.household_id],
                    purpose="买菜",
                    outcome=Outcome.ALLOWED,
                    source=PassageSource.PASS,
                    household_pass=household_pass,
                    by=users.get("checkpoint_staff"),
                )
            )
    Passage.objects.bulk_create(passages, batch_size=1000)
    return {
        "checkpoints": len(checkpoints),
        "passages": len(passages),
        "passes": len(passes),
        "workers": Worker.objects.filter(county_id=county.pk).count(),
        "branches": len(branches) + len(temporary),
        "shifts": len(shifts),
        "points": granted,
    }
