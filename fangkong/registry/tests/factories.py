from __future__ import annotations

import datetime as dt
import random

import factory

from fangkong.core.validators import id_birth_date, id_check_char, id_sex
from fangkong.registry.models import Household, Resident


def make_id_number(
    *, region: str = "430502", birth: dt.date | None = None, sex: str = "M", seq: int | None = None
) -> str:
    """A checksum-valid 居民身份证 number (never a real person's: tests and the demo only)."""
    birth = birth or dt.date(1980, 1, 1) + dt.timedelta(days=random.randint(0, 12000))
    seq = seq if seq is not None else random.randint(0, 99)
    sex_digit = random.choice("13579" if sex == "M" else "02468")
    first17 = f"{region}{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + id_check_char(first17)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    area = None
    address = factory.Sequence(lambda n: f"前进村{n}号")
    head_name = factory.Sequence(lambda n: f"张{n}")
    phone = factory.Sequence(lambda n: f"1700000{n % 10000:04d}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"李{n}")
    id_number = factory.LazyFunction(make_id_number)
    phone = factory.Sequence(lambda n: f"1701000{n % 10000:04d}")
    sex = factory.LazyAttribute(lambda o: id_sex(o.id_number) if o.id_number else "")
    birth_date = factory.LazyAttribute(
        lambda o: id_birth_date(o.id_number) if o.id_number else None
    )


def move_to_another_county(household: Household) -> tuple[object, object]:
    """Move ``household`` into 新村 of another county (邵东县) the way a user does: its county's
    administrator takes it in. Returns (the other county, the village)."""
    from fangkong.accounts.models import Role
    from fangkong.accounts.tests.factories import UserFactory
    from fangkong.areas.models import Level
    from fangkong.areas.tests.factories import AreaFactory
    from fangkong.registry import services

    county = AreaFactory(name="邵东县", level=Level.COUNTY, code="430521000000")
    township = AreaFactory(name="两市镇", level=Level.TOWNSHIP, code="430521001000", parent=county)
    village = AreaFactory(name="新村", level=Level.VILLAGE, code="430521001201", parent=township)
    admin = UserFactory(username="shaodong_admin", role=Role.COUNTY_ADMIN, area=county)
    services.household_move_county(by=admin, household=household, area=village, reason="举家搬迁")
    return county, village
