"""A hand-out (and every other stock or money write) retried with its idempotency key is made
once: the API's ``Idempotency-Key`` header and the pages' hidden field, one mechanism in
``core.idempotency``, keys per user."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.core.models import IdempotencyKey
from fangkong.monitoring.tests.factories import local
from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.supplies.models import Donation, LedgerEntry, StockBalance
from fangkong.supplies.tests.factories import store_and_item
from fangkong.supplies.tests.test_views import D

HAND_OUT = "/api/v1/ledger/hand-out/"


@pytest.fixture
def stock(users, tree, clock):
    clock.set(local(D, 10))
    return store_and_item(by=users["cadre"], area=tree["qianjin"], stock=6)


def _api(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(user)
    return api


def _hand_out(store, item, quantity=2, name="志愿者甲"):
    return {
        "store": store.pk,
        "item": item.pk,
        "quantity": quantity,
        "recipient_kind": "staff",
        "recipient_name": name,
    }


def test_an_api_retry_returns_the_first_answer_and_writes_nothing(users, stock):
    store, item = stock
    api = _api(users["grid_worker"])
    body = _hand_out(store, item)
    first = api.post(HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = api.post(HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.handed_out().count() == 1
    assert StockBalance.objects.get().quantity == 4
    # the same key with another body: refused with the reason, nothing written
    other = api.post(
        HAND_OUT, _hand_out(store, item, 3), format="json", HTTP_IDEMPOTENCY_KEY="retry-1"
    )
    assert other.status_code == 422 and "已用于另一个请求" in other.json()["detail"]
    assert StockBalance.objects.get().quantity == 4
    # no key: two hand-outs, as before
    api.post(HAND_OUT, body, format="json")
    api.post(HAND_OUT, body, format="json")
    assert StockBalance.objects.get().quantity == 0


def test_keys_are_per_user_and_a_refusal_keeps_no_key(users, tree, stock):
    store, item = stock
    body = _hand_out(store, item, 5)
    assert (
        _api(users["doctor"])
        .post(HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
        .status_code
        == 201
    )
    # the same key from another worker is his own: his hand-out is made (and refused: 1 left)
    refused = _api(users["grid_worker"]).post(
        HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert refused.status_code == 400 and "1" in refused.json()["quantity"][0]
    assert not IdempotencyKey.objects.filter(user=users["grid_worker"]).exists()
    # the stranger of 白云村 with a key: not his store, refused, nothing kept
    stranger = _api(users["stranger"])
    assert stranger.post(HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 400
    assert not IdempotencyKey.objects.filter(user=users["stranger"]).exists()
    # a read-only role: 403 before any key is looked at
    viewer = _api(users["viewer"])
    assert viewer.post(HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 403
    bad = _api(users["doctor"]).post(HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="空 格")
    assert bad.status_code == 400 and "幂等键" in bad.json()["detail"]
    assert StockBalance.objects.get().quantity == 1


def test_a_donation_of_money_and_goods_retried_is_one_receipt(users, stock):
    store, item = stock
    api = _api(users["cadre"])
    body = {
        "area": store.area_id,
        "donor_name": "岳某",
        "donor_kind": "person",
        "money": "500.00",
        "received_on": D.isoformat(),
        "store": store.pk,
        "goods": [{"item": item.pk, "quantity": 3}],
    }
    first = api.post("/api/v1/donations/", body, format="json", HTTP_IDEMPOTENCY_KEY="don-1")
    again = api.post("/api/v1/donations/", body, format="json", HTTP_IDEMPOTENCY_KEY="don-1")
    assert first.status_code == again.status_code == 201, first.json()
    assert first.json()["receipt_number"] == again.json()["receipt_number"]
    assert Donation.objects.count() == 1 and StockBalance.objects.get().quantity == 9


def test_the_hand_out_page_sent_twice_is_one_hand_out(client, users, tree, stock):
    store, item = stock
    household = HouseholdFactory(area=tree["qianjin_g1"], head_name="李户主")
    client.force_login(users["grid_worker"])
    url = reverse("supplies:movement", args=[store.pk, "handout"])
    page = client.get(url).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    data = {
        "item": item.pk,
        "quantity": 2,
        "recipient_kind": "household",
        "household": household.pk,
        "idempotency_key": key,
    }
    first = client.post(url, data)
    again = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert "已经提交过" in client.get(again["Location"]).content.decode()
    assert LedgerEntry.objects.handed_out().count() == 1
    assert StockBalance.objects.get().quantity == 4
    changed = client.post(url, {**data, "quantity": 3}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert changed.status_code == 422 and "已用于另一个请求" in changed.content.decode()
    assert StockBalance.objects.get().quantity == 4
    # a fresh page has a fresh key
    assert key not in client.get(url).content.decode()


def test_a_form_with_errors_keeps_its_key_and_keeps_nothing(client, users, stock):
    store, item = stock
    client.force_login(users["grid_worker"])
    url = reverse("supplies:movement", args=[store.pk, "handout"])
    data = {
        "item": item.pk,
        "quantity": 99,
        "recipient_kind": "staff",
        "recipient_name": "志愿者乙",
        "idempotency_key": "a" * 32,
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and 'value="' + "a" * 32 + '"' in refused.content.decode()
    assert not IdempotencyKey.objects.exists()
    assert client.post(url, {**data, "quantity": 1}).status_code == 302
    assert StockBalance.objects.get().quantity == 5


def test_the_scheduled_purge_forgets_keys_after_a_week_only(users, stock):
    """The worker's "old-idempotency-keys" job (``core.periodic``) removes keys older than 7
    days; a key of today still answers its retry."""
    import datetime as dt

    from django.utils import timezone

    from fangkong.core import periodic, worker

    store, item = stock
    api = _api(users["grid_worker"])
    body = _hand_out(store, item)
    api.post(HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="old")
    api.post(HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    assert "old-idempotency-keys" in {p.name for p in worker.SCHEDULE}
    assert periodic.remove_old_idempotency_keys.call() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    again = api.post(HAND_OUT, body, format="json", HTTP_IDEMPOTENCY_KEY="new")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert StockBalance.objects.get().quantity == 2
