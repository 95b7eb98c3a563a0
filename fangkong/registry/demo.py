"""The demo county, shaped like seed 002 (双清区火车站乡: 4,248 households screened).

Everything is generated from a fixed random seed, so two runs give the same county. The people are
invented: ID numbers use the unassigned address code 430599 (checksums valid, never a real person's)
and phones the prefix 154, which no operator issues.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from fangkong.accounts.models import Role, User
from fangkong.areas.models import Area, Level
from fangkong.core.db import analyze
from fangkong.core.validators import id_check_char
from fangkong.registry.models import (
    Household,
    Relationship,
    ResidenceStatus,
    Resident,
    id_index,
    phone_index,
)

DEMO_PASSWORD = "fangkong-demo"  # noqa: S105 - printed for the demo on purpose
DEMO_ID_REGION = "430599"
COUNTY = ("双清区", "430502000000")
TOWNSHIP = ("火车站乡", "430502005000")
# name, division code, households, grids — 4,248 households in all, as in seed 002.
VILLAGES = [
    ("前进村", "430502005201", 912, 6),
    ("白云村", "430502005202", 736, 5),
    ("杨柳村", "430502005203", 688, 5),
    ("古塘社区", "430502005204", 854, 6),
    ("新桥村", "430502005205", 578, 4),
    ("东风村", "430502005206", 480, 4),
]
TOTAL_HOUSEHOLDS = sum(v[2] for v in VILLAGES)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强春梅海燕玉兰红梅德明文军小红永华国强晓明子涵梓轩浩然欣怡佳怡俊杰宇轩雨涵"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    area_code: str
    name: str
    phone: str = ""  # cadres have one: the township calls them when a report is missing
    listed: bool = True  # printed among the demo logins


# The village cadres' phones (prefix 154: no operator issues it), one per village.
CADRE_PHONES = {code: f"1540520{code[-1]}{code[-3:]}" for _name, code, _n, _g in VILLAGES}


def _grid_code(village_code: str, grid: int) -> str:
    return f"{village_code}/{grid:02d}"


DEMO_USERS = [
    DemoUser("county_admin", Role.COUNTY_ADMIN, COUNTY[1], "县指挥部管理员"),
    DemoUser("township_officer", Role.TOWNSHIP_OFFICER, TOWNSHIP[1], "乡镇干部"),
    DemoUser(
        "village_cadre",
        Role.VILLAGE_CADRE,
        "430502005201",
        "前进村村干部",
        CADRE_PHONES["430502005201"],
    ),
    DemoUser("grid_worker", Role.GRID_WORKER, _grid_code("430502005201", 1), "前进村1网格员"),
    DemoUser("doctor", Role.DOCTOR, "430502005201", "前进村村医"),
    DemoUser("checkpoint_staff", Role.CHECKPOINT_STAFF, "430502005201", "前进村卡口值守"),
    DemoUser("inspector", Role.INSPECTOR, TOWNSHIP[1], "乡督查组"),
    DemoUser("viewer", Role.VIEWER, COUNTY[1], "县领导(只读)"),
    DemoUser(
        "other_cadre",
        Role.VILLAGE_CADRE,
        "430502005202",
        "白云村村干部",
        CADRE_PHONES["430502005202"],
    ),
    # The other villages' cadres, so every village has someone to call (not printed).
    *(
        DemoUser(
            f"cadre_{code[-3:]}",
            Role.VILLAGE_CADRE,
            code,
            f"{name}村干部" if not name.endswith("社区") else f"{name}干部",
            CADRE_PHONES[code],
            listed=False,
        )
        for name, code, _n, _g in VILLAGES[2:]
    ),
]


def _person_name(rng: random.Random, surname: str | None = None) -> str:
    surname = surname or rng.choice(SURNAMES)
    if rng.random() < 0.55:
        return surname + rng.choice(GIVEN) + rng.choice(GIVEN)
    return surname + rng.choice(GIVEN)


def _id_number(birth: dt.date, male: bool, used: set[str]) -> str:
    """The next free sequence number for this birth date and sex (odd male, even female)."""
    for order in range(500):
        sex_digit = (order % 5) * 2 + (1 if male else 0)
        first17 = f"{DEMO_ID_REGION}{birth:%Y%m%d}{order // 5:02d}{sex_digit}"
        if first17 not in used:
            used.add(first17)
            return first17 + id_check_char(first17)
    raise RuntimeError("more than 500 demo people born on one day")


def _area(parent: Area | None, name: str, level: Level, code: str) -> Area:
    local = code.split("/")[-1]
    area = Area.objects.filter(parent=parent, code=local).first()
    if area is None:
        area = Area(parent=parent, name=name, level=level, code=local)
        area.full_clean()
        area.save()
    return area


def build_areas() -> dict[str, Area]:
    """The county tree; returns areas by code (grids as '<village code>/<nn>')."""
    county = _area(None, *COUNTY[:1], Level.COUNTY, COUNTY[1])  # type: ignore[misc]
    township = _area(county, TOWNSHIP[0], Level.TOWNSHIP, TOWNSHIP[1])
    areas = {county.code: county, township.code: township}
    for name, code, _households, grids in VILLAGES:
        village = _area(township, name, Level.VILLAGE, code)
        areas[code] = village
        for g in range(1, grids + 1):
            areas[_grid_code(code, g)] = _area(village, f"{name}{g}网格", Level.GRID, f"{g:02d}")
    return areas


def build_users(areas: dict[str, Area]) -> list[DemoUser]:
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
        user.role = spec.role
        user.area = areas[spec.area_code]
        user.first_name = spec.name
        user.phone = spec.phone
        if not user.pk or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.save()
    return DEMO_USERS


@transaction.atomic
def build_register(
    areas: dict[str, Area], *, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Generate the households and residents; skipped when the county already has households."""
    county = areas[COUNTY[1]]
    if Household.objects.in_area(county).exists():
        return 0, 0
    rng = random.Random(20200125)  # 正月初一, the day the township cancelled all leave
    used: set[str] = set()
    n_households = n_residents = 0
    for name, code, count, grids in VILLAGES:
        households: list[Household] = []
        members: list[list[Resident]] = []
        for i in range(count):
            grid = areas[_grid_code(code, i % grids + 1)]
            group = i % (grids * 2) + 1
            surname = rng.choice(SURNAMES)
            people = _household_people(rng, surname)
            head = people[0]
            phone = f"154{rng.randrange(10**8):08d}"
            households.append(
                Household(
                    county_id=county.pk,
                    area=grid,
                    number=f"{code[-3:]}{i + 1:04d}",
                    address=f"{name}{group}组{i // (grids * 2) + 1}号",
                    head_name=head.name,
                    phone=phone,
                    phone_index=phone_index(phone),
                )
            )
            for person in people:
                person.id_number = _id_number(person.birth_date, person.sex == "M", used)  # type: ignore[arg-type]
                person.id_number_index = id_index(person.id_number)
                person.county_id = county.pk
                if person.relationship == Relationship.HEAD:
                    person.phone = phone
                elif rng.random() < 0.5 and person.birth_date.year < 2008:  # type: ignore[union-attr]
                    person.phone = f"154{rng.randrange(10**8):08d}"
                person.phone_index = phone_index(person.phone)
            members.append(people)
        Household.objects.bulk_create(households, batch_size=1000)
        residents = []
        for household, people in zip(households, members, strict=True):
            for person in people:
                person.household = household
                residents.append(person)
        Resident.objects.bulk_create(residents, batch_size=1000)
        n_households += len(households)
        n_residents += len(residents)
        if progress:
            progress(len(households))
    analyze(Household, Resident)
    return n_households, n_residents


def _household_people(rng: random.Random, surname: str) -> list[Resident]:
    today = dt.date(2020, 2, 10)

    def person(rel: Relationship, age_lo: int, age_hi: int, male: bool, same: bool) -> Resident:
        age_days = rng.randint(age_lo * 365, age_hi * 365)
        birth = today - dt.timedelta(days=age_days)
        r = Resident(
            relationship=rel,
            name=_person_name(rng, surname if same else None),
            sex="M" if male else "F",
            birth_date=birth,
        )
        roll = rng.random()
        r.residence_status = (
            ResidenceStatus.AWAY
            if roll < 0.08
            else ResidenceStatus.INCOMING
            if roll < 0.11
            else ResidenceStatus.PERMANENT
        )
        return r

    head_male = rng.random() < 0.8
    head = person(Relationship.HEAD, 28, 85, head_male, True)
    people = [head]
    head_age = (today - head.birth_date).days // 365  # type: ignore[operator]
    if head_age >= 70 and rng.random() < 0.35:
        head.elderly_alone = True
        head.chronic_illness = rng.random() < 0.4
        head.low_income = rng.random() < 0.3
        return people
    if rng.random() < 0.85:
        spouse_age = max(22, min(head_age + rng.randint(-5, 5), 90))
        people.append(person(Relationship.SPOUSE, spouse_age, spouse_age, not head_male, False))
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
        child_hi = max(head_age - 20, 1)
        people.append(
            person(Relationship.CHILD, max(child_hi - 20, 0), child_hi, rng.random() < 0.52, True)
        )
    if rng.random() < 0.15:
        people.append(person(Relationship.PARENT, 70, 95, rng.random() < 0.4, head_male))
    for p in people:
        p.chronic_illness = p.chronic_illness or rng.random() < 0.03
        p.disabled = rng.random() < 0.015
        age = (today - p.birth_date).days // 365  # type: ignore[operator]
        p.pregnant = p.sex == "F" and 22 <= age <= 38 and rng.random() < 0.04
        p.low_income = p.low_income or rng.random() < 0.02
    return people


RETURNEES = 49  # seed 002: people with 湖北/武汉 travel history found by the screening


def seed_returnees() -> list[int]:
    """The 49 residents of 火车站乡 who came back from 湖北/武汉 (seed 002), as resident pks.

    One deterministic choice shared by the screening demo (their travel history) and the
    monitoring demo (their observation cases), so the figures of both agree: working-age people,
    four of them in 前进村1网格 (so the demo grid worker has people to watch), the others spread
    evenly over the township in register order."""
    township = Area.objects.get(code=TOWNSHIP[1])
    grid1 = Area.objects.get(path=f"{township.path}430502005201/01/")
    candidates = list(
        Resident.objects.in_area(township)
        .filter(birth_date__gte=dt.date(1960, 1, 1), birth_date__lte=dt.date(2001, 12, 31))
        .order_by("pk")
        .values_list("pk", "household__area_id")
    )
    own = [pk for pk, area_id in candidates if area_id == grid1.pk][::7][:4]
    rest = [pk for pk, area_id in candidates if area_id != grid1.pk]
    wanted = RETURNEES - len(own)
    step = len(rest) / wanted
    return sorted(own + [rest[int(i * step)] for i in range(wanted)])
