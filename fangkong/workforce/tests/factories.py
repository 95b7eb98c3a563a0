from __future__ import annotations

import datetime as dt

from fangkong.monitoring.tests.factories import local
from fangkong.workforce.models import Post, Shift, ShiftPattern, Worker


def make_worker(area, name: str = "党员甲", *, user=None, kind: str = "party_member") -> Worker:
    return Worker.objects.create(area=area, name=name, kind=kind, user=user)


def make_post(area, name: str = "前进村东口岗", *, checkpoint=None, min_staff: int = 2) -> Post:
    return Post.objects.create(
        area=area,
        name=name,
        kind="checkpoint" if checkpoint else "building",
        checkpoint=checkpoint,
        min_staff=min_staff,
    )


def make_shift(
    post: Post, day: dt.date, hour: int = 8, hours: int = 8, min_staff: int = 2
) -> Shift:
    starts_at = local(day, hour)
    return Shift.objects.create(
        post=post,
        day=day,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        min_staff=min_staff,
    )


def three_shifts() -> ShiftPattern:
    return ShiftPattern.objects.get_or_create(
        name="24小时三班", defaults={"starts": ["00:00", "08:00", "16:00"], "hours": 8}
    )[0]
