"""The stock never goes negative: every refused movement writes nothing, every balance is the
sum of its ledger, and the database refuses a negative balance as the last guard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from fangkong.monitoring.tests.factories import local
from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.supplies import figures, services
from fangkong.supplies.models import LedgerEntry, StockBalance
from fangkong.supplies.tests.factories import store_and_item

D = dt.date(2020, 2, 3)


@pytest.fixture
def now(clock):
    return clock.set(local(D, 10))


def _balance(store, item) -> int:
    return StockBalance.objects.get(store=store, item=item).quantity


def _ledger_agrees() -> None:
    sums = LedgerEntry.objects.sums()
    balances = {(b.store_id, b.item_id): b.quantity for b in StockBalance.objects.all()}
    assert {k: v for k, v in balances.items() if v or k in sums} == sums
    assert all(v >= 0 for v in balances.values())


def test_hand_out_never_takes_the_stock_below_zero(users, tree, now):
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=10)
    household = HouseholdFactory(area=tree["qianjin_g1"])
    services.stock_hand_out(
        by=users["grid_worker"],
        store=store,
        item=item,
        quantity=7,
        recipient_kind="household",
        household=household,
    )
    with pytest.raises(ValidationError) as error:
        services.stock_hand_out(
            by=users["grid_worker"],
            store=store,
            item=item,
            quantity=4,
            recipient_kind="staff",
            recipient_name="王志愿者",
        )
    assert "quantity" in error.value.message_dict
    assert "3" in " ".join(error.value.message_dict["quantity"])  # says what is left
    assert _balance(store, item) == 3
    assert LedgerEntry.objects.count() == 2  # the refused hand-out wrote nothing
    services.stock_hand_out(
        by=users["grid_worker"],
        store=store,
        item=item,
        quantity=3,
        recipient_kind="checkpoint",
        recipient_name="前进村卡口",
    )
    assert _balance(store, item) == 0
    _ledger_agrees()


def test_nothing_can_be_handed_out_of_an_empty_store(users, tree, now):
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"])
    with pytest.raises(ValidationError):
        services.stock_hand_out(
            by=users["cadre"],
            store=store,
            item=item,
            quantity=1,
            recipient_kind="staff",
            recipient_name="李四",
        )
    assert not LedgerEntry.objects.exists() and not StockBalance.objects.exists()


def test_adjustments_and_transfers_are_refused_below_zero_and_write_nothing(users, tree, now):
    store, item = store_and_item(by=users["township"], area=tree["qianjin"], stock=5)
    other, _ = store_and_item(by=users["township"], area=tree["baiyun"], name="白云村物资点")
    with pytest.raises(ValidationError) as error:
        services.stock_adjust(
            by=users["township"], store=store, item=item, change=-6, reason="破损"
        )
    assert "change" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.stock_adjust(by=users["township"], store=store, item=item, change=-1, reason="")
    with pytest.raises(ValidationError):
        services.stock_transfer(
            by=users["township"], source=store, destination=other, item=item, quantity=6
        )
    assert _balance(store, item) == 5
    assert LedgerEntry.objects.count() == 1
    out, into = services.stock_transfer(
        by=users["township"], source=store, destination=other, item=item, quantity=5
    )
    assert (out.change, into.change, out.peer, into.peer) == (-5, 5, into, out)
    services.stock_adjust(
        by=users["township"], store=other, item=item, change=-2, reason="破损两瓶"
    )
    assert (_balance(store, item), _balance(other, item)) == (0, 3)
    _ledger_agrees()


def test_the_database_refuses_a_negative_balance(users, tree, now):
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(store=store).update(quantity=-1)
    assert _balance(store, item) == 1


def test_who_may_move_stock(users, tree, now):
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=5)
    for user in (users["stranger"], users["viewer"]):
        with pytest.raises(PermissionDenied):
            services.stock_hand_out(
                by=user,
                store=store,
                item=item,
                quantity=1,
                recipient_kind="staff",
                recipient_name="x",
            )
    with pytest.raises(PermissionDenied):  # a grid worker hands out but does not receive
        services.stock_receive(by=users["grid_worker"], store=store, item=item, quantity=1)
    other_household = HouseholdFactory(area=tree["baiyun_g1"])
    with pytest.raises(ValidationError):  # not served by this store
        services.stock_hand_out(
            by=users["township"],
            store=store,
            item=item,
            quantity=1,
            recipient_kind="household",
            household=other_household,
        )
    assert _balance(store, item) == 5


def test_low_stock_warning_per_item_or_store(users, tree, now):
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=6)  # warns at 5
    assert not StockBalance.objects.low().exists()
    services.stock_hand_out(
        by=users["cadre"],
        store=store,
        item=item,
        quantity=1,
        recipient_kind="staff",
        recipient_name="x",
    )
    assert list(StockBalance.objects.low().values_list("quantity", flat=True)) == [5]
    services.stock_set_threshold(by=users["cadre"], store=store, item=item, threshold=2)
    assert not StockBalance.objects.low().exists()  # this store warns at 2
    services.stock_set_threshold(by=users["cadre"], store=store, item=item, threshold=0)
    assert not StockBalance.objects.low().exists()  # never


def test_a_donation_of_money_and_goods_with_its_receipt(users, tree, now):
    store, item = store_and_item(by=users["township"], area=tree["qianjin"])
    masks = services.item_create(by=users["township"], name="口罩", category="mask")
    donation = services.donation_record(
        by=users["township"],
        area=tree["qianjin"],
        donor_name="某医药公司",
        donor_kind="company",
        money="5000",
        goods=[(masks, 2000), (item, 24)],
        store=store,
        received_on=D,
    )
    assert donation.money == Decimal("5000.00")
    assert donation.receipt_number == f"JZ2020-{donation.pk:06d}"
    assert sorted(donation.goods.values_list("item__name", "change")) == [
        ("84消毒液", 24),
        ("口罩", 2000),
    ]
    assert _balance(store, masks) == 2000
    with pytest.raises(ValidationError):
        services.donation_record(
            by=users["township"],
            area=tree["qianjin"],
            donor_name="空",
            donor_kind="person",
            received_on=D,
        )
    with pytest.raises(ValidationError):
        services.donation_record(
            by=users["township"],
            area=tree["qianjin"],
            donor_name="未来",
            donor_kind="person",
            money="1",
            received_on=D + dt.timedelta(days=1),
        )
    f = figures.supply_figures(tree["township"], D)
    assert (f.donations, f.donations_money) == (1, Decimal("5000"))


def test_hand_out_figures_by_category_and_by_item(users, tree, now):
    store, item = store_and_item(by=users["cadre"], area=tree["qianjin"], stock=130)
    for _ in range(3):
        services.stock_hand_out(
            by=users["cadre"],
            store=store,
            item=item,
            quantity=40,
            recipient_kind="staff",
            recipient_name="消杀专人",
        )
    f = figures.supply_figures(tree["township"], D)
    assert (f.handouts_today, f.disinfectant_handed_out, f.masks_handed_out) == (3, 120, 0)
    assert [
        (h.name, h.quantity, h.unit, h.times)
        for h in figures.handed_out_by_item(tree["qianjin"], D)
    ] == [("84消毒液", 120, "瓶", 3)]
    assert figures.supply_figures(tree["baiyun"], D).disinfectant_handed_out == 0
