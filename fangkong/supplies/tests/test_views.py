"""Supplies pages and /api/v1/: stock with low-stock warnings, hand-outs refused with the stock
left, the printable receipt; the owner can, a stranger gets 404, the viewer 403 on writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.monitoring.tests.factories import local
from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.supplies import services
from fangkong.supplies.models import Donation, LedgerEntry, StockBalance
from fangkong.supplies.tests.factories import store_and_item

D = dt.date(2020, 2, 3)


@pytest.fixture
def stock(users, tree, clock):
    clock.set(local(D, 10))
    return store_and_item(by=users["cadre"], area=tree["qianjin"], stock=6)


def test_a_grid_worker_hands_out_to_a_household_from_the_village_store(client, users, tree, stock):
    store, item = stock
    household = HouseholdFactory(area=tree["qianjin_g1"], head_name="李户主")
    client.force_login(users["grid_worker"])
    url = reverse("supplies:movement", args=[store.pk, "handout"])
    assert client.get(url, {"q": "李户主"}).context["matches"] == [household]
    data = {
        "item": item.pk,
        "quantity": 4,
        "recipient_kind": "household",
        "household": household.pk,
    }
    assert client.post(url, data).status_code == 302
    refused = client.post(url, data)  # only 2 left
    assert refused.status_code == 200
    assert "2" in " ".join(refused.context["form"].errors["quantity"])
    assert StockBalance.objects.get().quantity == 2
    page = client.get(reverse("supplies:index"))
    assert [b.quantity for b in page.context["low"]] == [2]  # warns at 5
    ledger = client.get(reverse("supplies:ledger")).content.decode()
    assert "李户主" in ledger  # his own hand-outs, which he may correct
    assert "调拨" not in ledger  # but not the rest of the village's ledger


def test_stranger_404_viewer_403(client, users, stock):
    store, item = stock
    donation = services.donation_record(
        by=users["cadre"],
        area=store.area,
        donor_name="岳某",
        donor_kind="person",
        money="10000",
        received_on=D,
    )
    object_pages = [
        reverse("supplies:store_detail", args=[store.pk]),
        reverse("supplies:donation_receipt", args=[donation.pk]),
    ]
    writes = [
        reverse("supplies:movement", args=[store.pk, kind])
        for kind in ("handout", "receive", "transfer", "adjust", "threshold")
    ]
    client.force_login(users["stranger"])
    for url in object_pages + writes:
        assert client.get(url).status_code in {403, 404}, url
        assert client.post(
            url,
            {
                "item": item.pk,
                "quantity": 1,
                "change": -1,
                "reason": "x",
                "recipient_kind": "staff",
                "recipient_name": "x",
            },
        ).status_code in {403, 404}, url
    assert "岳某" not in client.get(reverse("supplies:donation_list")).content.decode()
    client.force_login(users["viewer"])
    for url in object_pages:
        assert client.get(url).status_code == 200
    for url in writes + [reverse("supplies:donation_create"), reverse("supplies:item_create")]:
        assert client.post(url, {"item": item.pk, "quantity": 1}).status_code == 403, url
    assert LedgerEntry.objects.count() == 1 and Donation.objects.count() == 1
    client.logout()
    assert client.get(object_pages[0]).status_code == 302


def test_the_receipt_is_printable(client, users, tree, stock):
    store, item = stock
    client.force_login(users["cadre"])
    response = client.post(
        reverse("supplies:donation_create"),
        {
            "area": tree["qianjin"].pk,
            "donor_name": "某药房",
            "donor_kind": "company",
            "money": "",
            "received_on": "2020-02-03",
            "store": store.pk,
            "item1": item.pk,
            "quantity1": 24,
        },
    )
    assert response.status_code == 302
    receipt = client.get(response.url)
    body = receipt.content.decode()
    donation = Donation.objects.get()
    assert donation.receipt_number in body and "某药房" in body and "24" in body
    assert "data-print" in body  # the print button (static script, no inline JS under the CSP)
    assert StockBalance.objects.get().quantity == 30


def test_the_api_refuses_an_overdraw_with_what_is_left(users, tree, stock):
    store, item = stock
    api = APIClient()
    api.force_authenticate(users["doctor"])
    data = {
        "store": store.pk,
        "item": item.pk,
        "quantity": 7,
        "recipient_kind": "staff",
        "recipient_name": "x",
    }
    refused = api.post("/api/v1/ledger/hand-out/", data, format="json")
    assert refused.status_code == 400 and "6" in refused.json()["quantity"][0]
    data["quantity"] = 6
    assert api.post("/api/v1/ledger/hand-out/", data, format="json").status_code == 201
    assert api.get("/api/v1/stock/?low=1").json()["results"][0]["quantity"] == 0
    assert (
        api.post(
            "/api/v1/ledger/receive/", {"store": store.pk, "item": item.pk, "quantity": 5}
        ).status_code
        == 403
    )
    api.force_authenticate(users["stranger"])
    assert api.get("/api/v1/ledger/").json()["results"] == []
    assert api.get(f"/api/v1/stores/{store.pk}/").status_code == 404
    assert (
        api.post("/api/v1/ledger/hand-out/", data, format="json").status_code == 400
    )  # not his store
    api.force_authenticate(users["viewer"])
    assert api.post("/api/v1/ledger/hand-out/", data, format="json").status_code == 403


def test_lists_run_a_constant_number_of_queries(client, users, tree, stock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    store, item = stock
    services.donation_record(
        by=users["cadre"],
        area=tree["qianjin"],
        donor_name="岳某",
        donor_kind="person",
        money="10000",
        received_on=D,
    )
    client.force_login(users["township"])
    pages = [
        reverse("supplies:index"),
        reverse("supplies:ledger"),
        reverse("supplies:donation_list"),
        reverse("supplies:store_detail", args=[store.pk]),
    ]
    few = {}
    for url in pages:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        few[url] = len(ctx.captured_queries)
    masks = services.item_create(by=users["township"], name="口罩", category="mask")
    services.stock_receive(by=users["township"], store=store, item=item, quantity=10)
    other = services.store_create(
        by=users["township"], area=tree["baiyun"], name="白云村物资点", kind="village"
    )
    for n in range(4):
        services.stock_receive(by=users["township"], store=other, item=masks, quantity=10)
        services.stock_hand_out(
            by=users["township"],
            store=store,
            item=item,
            quantity=1,
            recipient_kind="household",
            household=HouseholdFactory(area=tree["qianjin_g1"]),
        )
        services.stock_hand_out(
            by=users["township"],
            store=store,
            item=item,
            quantity=1,
            recipient_kind="staff",
            staff=users["grid_worker"],
        )
        services.donation_record(
            by=users["township"],
            area=tree["baiyun"],
            donor_name=f"捐赠人{n}",
            donor_kind="person",
            money="100",
            goods=[(masks, 5)],
            store=other,
            received_on=D,
        )
    for url in pages:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx.captured_queries) == few[url], url
