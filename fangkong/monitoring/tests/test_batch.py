"""Batch temperatures: everyone due in the slot on one screen, one save."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from fangkong.monitoring.models import Alert, AlertKind, CheckIn
from fangkong.monitoring.tests.factories import local, open_case

D = dt.date(2020, 2, 1)
URL = reverse("monitoring:checkin_batch")


def _cases(users, tree, n=5):
    return [open_case(by=users["cadre"], area=tree["qianjin_g1"], start=D) for _ in range(n)]


def test_five_temperatures_in_one_save_and_a_fever_raises_its_alert(client, users, tree, clock):
    clock.set(local(D, 8))
    cases = _cases(users, tree)
    open_case(by=users["stranger"], area=tree["baiyun_g1"], start=D)  # not on this screen
    client.force_login(users["doctor"])
    page = client.get(URL).content.decode()
    assert page.count('class="batch-row"') == 5
    values = ["36.5", "36.6", "37.5", "36.4", "36.8"]
    response = client.post(
        URL, {"slot": "1", **{f"t-{c.pk}": v for c, v in zip(cases, values, strict=True)}}
    )
    assert response.status_code == 302
    assert CheckIn.objects.filter(date=D, slot=1).count() == 5
    fever = Alert.objects.get(kind=AlertKind.FEVER)
    assert fever.case == cases[2] and fever.checkin.temperature == 37.5
    assert client.get(URL).content.decode().count('class="batch-row"') == 0  # all in


def test_a_bad_row_keeps_its_error_beside_it_and_nothing_is_saved(client, users, tree, clock):
    clock.set(local(D, 8))
    cases = _cases(users, tree, 3)
    client.force_login(users["grid_worker"])
    data = {"slot": "1", f"t-{cases[0].pk}": "36.5", f"t-{cases[1].pk}": "63.5"}
    response = client.post(URL, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="t-{cases[1].pk}-error"' in page and f'id="t-{cases[0].pk}-error"' not in page
    assert 'value="63.5"' in page and 'value="36.5"' in page  # what was typed stays
    assert not CheckIn.objects.exists()


def test_the_batch_is_scoped_and_refused_to_readers(client, users, tree, clock):
    clock.set(local(D, 8))
    cases = _cases(users, tree, 1)
    client.force_login(users["stranger"])
    response = client.post(URL, {"slot": "1", f"t-{cases[0].pk}": "36.5"})
    assert not CheckIn.objects.exists()  # another village's people are not on his screen
    assert response.status_code in {200, 302}
    client.force_login(users["viewer"])
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302
