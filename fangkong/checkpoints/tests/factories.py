from __future__ import annotations

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.checkpoints.models import Checkpoint
from fangkong.checkpoints.services import PassageDetails


def make_checkpoint(area, name: str = "前进村东口", kind: str = "village_entrance") -> Checkpoint:
    return Checkpoint.objects.create(area=area, name=name, kind=kind)


def staff_in(area, username: str = "staff"):
    return UserFactory(username=username, role=Role.CHECKPOINT_STAFF, area=area)


def person(**kwargs) -> PassageDetails:
    kwargs.setdefault("direction", "in")
    return PassageDetails(**kwargs)


def vehicle(plate: str = "湘E12345", people: int = 2, **kwargs) -> PassageDetails:
    kwargs.setdefault("direction", "in")
    return PassageDetails(
        subject="vehicle", plate=plate, vehicle_type="car", people=people, **kwargs
    )
