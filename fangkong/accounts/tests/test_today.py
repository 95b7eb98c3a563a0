"""Each role's home page is its today page: items are links, empty lists say so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.accounts.today import natural_key
from fangkong.monitoring.tests.factories import Clock, local, open_case

D = dt.date(2020, 2, 1)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def test_house_numbers_sort_naturally():
    addresses = ["1组10号", "2组1号", "1组2号", "1组1号"]
    assert sorted(addresses, key=natural_key) == ["1组1号", "1组2号", "1组10号", "2组1号"]


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        ("grid_worker", "当前应测体温"),
        ("doctor", "未处置预警"),
        ("cadre", "今日日报"),
        ("township", "今日未报送的村"),
        ("county_admin", "今日未报送的村"),
        ("viewer", "今日未报送的村"),
    ],
)
def test_every_role_lands_on_its_today_page(client, users, tree, clock, role, heading):
    clock.set(local(D, 8))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    client.force_login(users[role])
    page = client.get(reverse("home")).content.decode()
    assert 'id="today"' in page and heading in page
    if role in {"grid_worker", "doctor"}:
        assert reverse("monitoring:checkin_create", args=[case.pk]) in page
        assert reverse("monitoring:checkin_batch") in page
    if role == "cadre":  # no alerts, nothing proposed, no errands: each list says "none"
        assert page.count('<li class="muted">无</li>') >= 2


def test_checkpoint_staff_see_their_desk(client, tree, clock):
    from fangkong.checkpoints.tests.factories import make_checkpoint

    clock.set(local(D, 8))
    checkpoint = make_checkpoint(tree["qianjin"])
    staff = UserFactory(username="cp", role=Role.CHECKPOINT_STAFF, area=tree["qianjin"])
    client.force_login(staff)
    page = client.get(reverse("home")).content.decode()
    assert reverse("checkpoints:desk", args=[checkpoint.pk]) in page
    menu = page.split('class="dropdown more-menu"')[0]
    assert reverse("checkpoints:list") in menu  # the desk is in the short menu


def test_the_stranger_does_not_see_another_villages_people(client, users, tree, clock):
    clock.set(local(D, 8))
    case = open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D)
    client.force_login(users["stranger"])
    page = client.get(reverse("home")).content.decode()
    assert case.resident.name not in page


def test_the_sheets_and_the_fever_advice_are_in_the_menu_of_those_who_use_them(
    client, users, tree, clock
):
    """The self-report sheets are printed by whoever writes the register; the number to call and
    the fever advice are set by those who manage monitoring (the cadre, the doctor, above): both
    are one tap from the phone menu, and absent where the page would refuse."""
    clock.set(local(D, 8))
    sheets = reverse("monitoring:case_sheets")
    help_page = reverse("monitoring:my_village_help")
    for role, has_sheets, has_help in [
        ("cadre", True, True),
        ("doctor", True, True),
        ("grid_worker", True, False),
        ("viewer", False, False),
    ]:
        client.force_login(users[role])
        page = client.get(reverse("home")).content.decode()
        assert (f'href="{sheets}"' in page) is has_sheets, role
        assert (f'href="{help_page}"' in page) is has_help, role
        for url, shown in ((sheets, has_sheets), (help_page, has_help)):
            if shown:
                assert client.get(url, follow=True).status_code == 200, (role, url)
