"""Many people hand out from one store at the same moment: the stock never goes negative.

Real parallel requests, each thread with its own database connection, on PostgreSQL (row locks
on the balance rows). SQLite serialises writers instead and is skipped here, with the reason;
the sequential rules are tested everywhere in test_services.py.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from fangkong.core.tests.concurrency import parallel
from fangkong.supplies import services
from fangkong.supplies.models import LedgerEntry, StockBalance
from fangkong.supplies.tests.factories import store_and_item

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _ledger_agrees() -> None:
    sums = LedgerEntry.objects.sums()
    for balance in StockBalance.objects.all():
        assert balance.quantity >= 0
        assert balance.quantity == sums.get((balance.store_id, balance.item_id), 0)


def test_parallel_hand_out_requests_never_overdraw(users, tree):
    assert connection.vendor == "postgresql"
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=10)
    workers = [users["cadre"], users["grid_worker"], users["doctor"], users["township"]]

    def hand_out(i: int) -> int:
        api = APIClient()
        api.force_authenticate(workers[i % len(workers)])
        response = api.post(
            "/api/v1/ledger/hand-out/",
            {
                "store": store.pk,
                "item": item.pk,
                "quantity": 1,
                "recipient_kind": "staff",
                "recipient_name": f"志愿者{i}",
            },
            format="json",
        )
        return response.status_code

    statuses = Counter(parallel(24, hand_out))
    assert statuses == {201: 10, 400: 14}, statuses
    assert StockBalance.objects.get(store=store, item=item).quantity == 0
    assert LedgerEntry.objects.handed_out().count() == 10
    _ledger_agrees()


def test_parallel_hand_outs_of_several_leave_the_remainder(users, tree):
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=10)

    def hand_out(i: int) -> object:
        return services.stock_hand_out(
            by=users["cadre"],
            store=store,
            item=item,
            quantity=3,
            recipient_kind="staff",
            recipient_name=f"专人{i}",
        )

    results = parallel(12, hand_out)
    done = [r for r in results if isinstance(r, LedgerEntry)]
    refused = [r for r in results if not isinstance(r, LedgerEntry)]
    assert len(done) == 3 and len(refused) == 9
    assert all(type(r).__name__ == "ValidationError" for r in refused), refused
    assert sorted(e.balance_after for e in done) == [1, 4, 7]  # each saw the one before
    assert StockBalance.objects.get(store=store, item=item).quantity == 1
    _ledger_agrees()


def test_transfers_both_ways_at_once_neither_deadlock_nor_lose_stock(users, tree):
    a, item = store_and_item(by=users["township"], area=tree["qianjin"], stock=50)
    b, _ = store_and_item(by=users["township"], area=tree["baiyun"], stock=50, name="白云村物资点")

    def transfer(i: int) -> object:
        source, destination = (a, b) if i % 2 else (b, a)
        return services.stock_transfer(
            by=users["township"], source=source, destination=destination, item=item, quantity=5
        )

    results = parallel(20, transfer)
    assert all(isinstance(r, tuple) for r in results), results
    quantities = dict(StockBalance.objects.values_list("store_id", "quantity"))
    assert quantities == {a.pk: 50, b.pk: 50}
    _ledger_agrees()


def test_the_first_receipts_into_a_new_store_create_one_balance(users, tree):
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"])

    def receive(i: int) -> object:
        return services.stock_receive(by=users["cadre"], store=store, item=item, quantity=2)

    results = parallel(10, receive)
    assert all(isinstance(r, LedgerEntry) for r in results), results
    assert StockBalance.objects.get(store=store, item=item).quantity == 20
    _ledger_agrees()


def test_parallel_corrections_of_one_transfer_make_one_reversal(users, tree):
    """Six people correct the two legs of one transfer at the same moment: one correction."""
    store, item = store_and_item(by=users["township"], area=tree["qianjin"], stock=100)
    other, _ = store_and_item(by=users["township"], area=tree["baiyun"], name="白云村物资点")
    out, into = services.stock_transfer(
        by=users["township"], source=store, destination=other, item=item, quantity=60
    )

    def correct(i: int) -> object:
        api = APIClient()
        api.force_authenticate(users["township"])
        leg = out if i % 2 else into
        return api.post(
            f"/api/v1/ledger/{leg.pk}/correct/", {"quantity": 6, "reason": "应为6"}, format="json"
        ).status_code

    results = parallel(6, correct)
    assert Counter(results) == Counter({201: 1, 400: 5}), results
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == 2
    assert StockBalance.objects.get(store=store, item=item).quantity == 94
    assert StockBalance.objects.get(store=other, item=item).quantity == 6
    _ledger_agrees()


def test_a_double_submit_with_one_key_is_one_hand_out(users, tree):
    """The phone sends the same hand-out twice at once (a double tap, a retry racing the first):
    one movement, both answers the same, the stock never below 0."""
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=3)
    body = {
        "store": store.pk,
        "item": item.pk,
        "quantity": 2,
        "recipient_kind": "staff",
        "recipient_name": "志愿者",
    }

    def hand_out(i: int) -> tuple[int, object]:
        api = APIClient()
        api.force_authenticate(users["grid_worker"])
        response = api.post(
            "/api/v1/ledger/hand-out/", body, format="json", HTTP_IDEMPOTENCY_KEY="double-tap"
        )
        return response.status_code, response.json()

    results = parallel(6, hand_out)
    assert all(isinstance(r, tuple) for r in results), results
    assert {status for status, _body in results} == {201}  # type: ignore[misc]
    bodies = [b for _s, b in results]  # type: ignore[misc]
    assert all(b == bodies[0] for b in bodies), bodies
    assert LedgerEntry.objects.handed_out().count() == 1
    assert StockBalance.objects.get(store=store, item=item).quantity == 1
    _ledger_agrees()
