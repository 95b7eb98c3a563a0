"""Corrections (冲正) and dates of movements: a wrong movement is put right by a reversal that
names it, so "handed out", "received" and the stock are right again and both entries stay in
the ledger; every movement has the day it happened, the audit keeps when it was typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.core.models import AuditEvent
from fangkong.monitoring.tests.factories import local
from fangkong.reports.figures import FIGURES
from fangkong.supplies import figures, services
from fangkong.supplies.models import LedgerEntry, StockBalance
from fangkong.supplies.tests.factories import store_and_item

D = dt.date(2020, 2, 3)


@pytest.fixture
def masks(users, tree, clock):
    """前进村物资点 holding 2,000 masks, received on D."""
    clock.set(local(D, 9))
    store, _ = store_and_item(by=users["cadre"], area=tree["qianjin"])
    item = services.item_create(by=users["cadre"], name="一次性医用口罩", category="mask")
    services.stock_receive(by=users["cadre"], store=store, item=item, quantity=2000)
    return store, item


def _hand_out(by, store, item, quantity, **kw):
    return services.stock_hand_out(
        by=by,
        store=store,
        item=item,
        quantity=quantity,
        recipient_kind="checkpoint",
        recipient_name="前进村卡口",
        **kw,
    )


def _stock(store, item) -> int:
    return StockBalance.objects.get(store=store, item=item).quantity


def _ledger_agrees() -> None:
    sums = LedgerEntry.objects.sums()
    balances = {(b.store_id, b.item_id): b.quantity for b in StockBalance.objects.all()}
    assert {k: v for k, v in balances.items() if v or k in sums} == sums


def test_a_thousand_masks_for_a_hundred_corrected_in_the_report_figures(users, tree, masks, clock):
    store, item = masks
    wrong = _hand_out(users["grid_worker"], store, item, 1000)
    masks_out = FIGURES["supplies_masks_handed_out"]
    assert masks_out.value(tree["qianjin"], D) == 1000
    clock.set(local(D + dt.timedelta(days=1), 10))  # seen the next morning
    reversal, right = services.entry_correct(
        by=users["grid_worker"], entry=wrong, reason="多打了一个0", quantity=100
    )
    assert (reversal.change, reversal.reverses, reversal.kind) == (1000, wrong, "handed_out")
    assert (right.change, right.day, right.recipient_name) == (-100, D, "前进村卡口")
    assert reversal.day == D  # the correction belongs to the day of the movement it corrects
    assert _stock(store, item) == 1900
    assert LedgerEntry.objects.filter(item=item).count() == 4  # nothing deleted
    for area in (tree["qianjin"], tree["township"], tree["county"]):
        assert masks_out.value(area, D) == 100
        assert masks_out.value(area, D + dt.timedelta(days=1)) == 100
    assert FIGURES["supplies_handouts_today"].value(tree["qianjin"], D) == 1  # not 3
    by_item = {
        h.name: (h.quantity, h.times) for h in figures.handed_out_by_item(tree["qianjin"], D)
    }
    assert by_item["一次性医用口罩"] == (100, 1)
    _ledger_agrees()


def test_a_reversal_is_not_reversed_and_an_entry_not_twice(users, masks):
    store, item = masks
    wrong = _hand_out(users["cadre"], store, item, 50)
    (reversal,) = services.entry_correct(by=users["cadre"], entry=wrong, reason="没有发")
    assert _stock(store, item) == 2000
    with pytest.raises(ValidationError):
        services.entry_correct(by=users["cadre"], entry=reversal, reason="再冲")
    with pytest.raises(ValidationError):
        services.entry_correct(by=users["cadre"], entry=wrong, reason="再冲", quantity=10)
    with pytest.raises(ValidationError) as no_reason:
        services.entry_correct(
            by=users["cadre"], entry=_hand_out(users["cadre"], store, item, 5), reason=" "
        )
    assert "reason" in no_reason.value.message_dict
    assert _stock(store, item) == 1995 and LedgerEntry.objects.filter(item=item).count() == 4
    _ledger_agrees()


def test_a_receipt_corrected_down_never_takes_the_stock_below_zero(users, masks):
    store, item = masks
    received = LedgerEntry.objects.get(item=item, kind="received")
    _hand_out(users["cadre"], store, item, 1500)
    with pytest.raises(ValidationError) as error:  # 2,000 → 200 would leave -1,300
        services.entry_correct(by=users["cadre"], entry=received, reason="实到200", quantity=200)
    assert "500" in " ".join(error.value.message_dict["quantity"])
    assert _stock(store, item) == 500 and not LedgerEntry.objects.filter(reverses__isnull=False)
    made = services.entry_correct(
        by=users["cadre"], entry=received, reason="实到1800", quantity=1800
    )
    assert [e.change for e in made] == [1800, -2000]  # the right receipt first: never below 0
    assert all(e.balance_after >= 0 for e in made)
    assert _stock(store, item) == 300
    received_total = sum(
        LedgerEntry.objects.filter(item=item, kind="received").values_list("change", flat=True)
    )
    assert received_total == 1800
    _ledger_agrees()


def test_a_transfer_is_corrected_in_both_stores(users, tree, masks):
    store, item = masks
    other = services.store_create(
        by=users["township"], area=tree["baiyun"], name="白云", kind="village"
    )
    out, into = services.stock_transfer(
        by=users["township"], source=store, destination=other, item=item, quantity=600
    )
    made = services.entry_correct(by=users["township"], entry=into, reason="应为60", quantity=60)
    assert len(made) == 4
    assert (_stock(store, item), _stock(other, item)) == (1940, 60)
    rev_out, rev_into = (LedgerEntry.objects.get(reverses=e) for e in (out, into))
    assert (rev_out.peer, rev_into.peer) == (rev_into, rev_out)
    with pytest.raises(ValidationError):
        services.entry_correct(by=users["township"], entry=out, reason="again")
    _ledger_agrees()


def test_who_may_correct(users, tree, masks):
    store, item = masks
    by_cadre = _hand_out(users["cadre"], store, item, 10)
    received = LedgerEntry.objects.get(item=item, kind="received")
    for user, entry in [
        (users["grid_worker"], by_cadre),  # not his hand-out, not a storekeeper
        (users["grid_worker"], received),
        (users["viewer"], by_cadre),
        (users["stranger"], by_cadre),
    ]:
        with pytest.raises(PermissionDenied):
            services.entry_correct(by=user, entry=entry, reason="x")
    assert _stock(store, item) == 1990


def test_a_movement_keeps_the_day_it_happened(users, tree, masks, clock):
    store, item = masks
    clock.set(local(D + dt.timedelta(days=2), 11))  # typed on the 5th from the paper ledger
    with pytest.raises(ValidationError) as no_reason:
        _hand_out(users["grid_worker"], store, item, 30, on=D)
    assert "late_reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError) as future:
        _hand_out(users["grid_worker"], store, item, 30, on=D + dt.timedelta(days=3))
    assert "on" in future.value.message_dict
    entry = _hand_out(users["grid_worker"], store, item, 30, on=D, late_reason="纸质台账补录")
    assert entry.day == D and entry.at == local(D + dt.timedelta(days=2), 11)
    assert FIGURES["supplies_handouts_today"].value(tree["qianjin"], D) == 1
    assert FIGURES["supplies_handouts_today"].value(tree["qianjin"], D + dt.timedelta(days=2)) == 0
    audit = AuditEvent.objects.get(object_type="ledgerentry", object_id=str(entry.pk))
    assert audit.at == local(D + dt.timedelta(days=2), 11) and "2020-02-03" in audit.detail
    assert "纸质台账补录" in audit.detail


def test_a_donations_money_and_goods_on_the_same_day(users, tree, masks, clock):
    store, item = masks
    clock.set(local(D + dt.timedelta(days=4), 16))
    kw = {
        "by": users["cadre"],
        "area": tree["qianjin"],
        "donor_name": "某医药公司",
        "donor_kind": "company",
        "money": "5000",
        "goods": [(item, 3000)],
        "store": store,
        "received_on": D,
    }
    with pytest.raises(ValidationError) as error:
        services.donation_record(**kw)
    assert "late_reason" in error.value.message_dict
    donation = services.donation_record(**kw, late_reason="捐赠登记簿补录")
    assert donation.received_on == D
    assert list(donation.goods.values_list("day", flat=True)) == [D]
    assert FIGURES["supplies_donations_money"].value(tree["qianjin"], D) == 5000.0


def test_the_correct_page_and_api(client, users, tree, masks):
    store, item = masks
    wrong = _hand_out(users["grid_worker"], store, item, 1000)
    url = reverse("supplies:entry_correct", args=[wrong.pk])
    client.force_login(users["stranger"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"quantity": 100, "reason": "x"}).status_code == 404
    client.force_login(users["viewer"])
    assert client.post(url, {"quantity": 100, "reason": "x"}).status_code == 403
    client.force_login(users["doctor"])  # may hand out, but this is not his hand-out
    assert client.post(url, {"quantity": 100, "reason": "x"}).status_code == 403
    client.force_login(users["grid_worker"])
    ledger = client.get(reverse("supplies:ledger")).content.decode()
    assert url in ledger
    assert client.post(url, {"quantity": "", "reason": "多打了一个0"}).status_code == 200
    response = client.post(url, {"quantity": 100, "reason": "多打了一个0"})
    assert response.status_code == 302
    assert _stock(store, item) == 1900
    ledger = client.get(reverse("supplies:ledger")).content.decode()
    assert url not in ledger  # the corrected entry offers no second correction
    assert "冲正" in ledger  # the reversal is marked as one
    page = client.get(url).content.decode()
    assert 'id="not-correctable"' in page and 'id="correct-form"' not in page

    api = APIClient()
    second = _hand_out(users["cadre"], store, item, 40)
    api_url = f"/api/v1/ledger/{second.pk}/correct/"
    api.force_authenticate(users["stranger"])
    assert api.post(api_url, {"quantity": 4, "reason": "x"}).status_code == 404
    api.force_authenticate(users["viewer"])
    assert api.post(api_url, {"quantity": 4, "reason": "x"}).status_code == 403
    api.force_authenticate(users["cadre"])
    assert api.post(api_url, {"quantity": 4}).status_code == 400
    made = api.post(api_url, {"quantity": 4, "reason": "应为4"}, format="json")
    assert made.status_code == 201
    assert [(e["change"], e["reverses"]) for e in made.json()] == [(40, second.pk), (-4, None)]
    again = api.post(f"/api/v1/ledger/{made.json()[0]['id']}/correct/", {"reason": "x"})
    assert again.status_code == 400
    assert _stock(store, item) == 1896
    dated = api.post(
        "/api/v1/ledger/hand-out/",
        {
            "store": store.pk,
            "item": item.pk,
            "quantity": 6,
            "recipient_kind": "staff",
            "recipient_name": "消杀专人",
            "on": "2020-02-01",
        },
        format="json",
    )
    assert dated.status_code == 400 and "late_reason" in dated.json()
