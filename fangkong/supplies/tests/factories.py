from __future__ import annotations

from fangkong.supplies import services
from fangkong.supplies.models import Item, Store


def store_and_item(*, by, area, stock: int = 0, name: str = "前进村物资点") -> tuple[Store, Item]:
    """A store of ``area`` holding ``stock`` bottles of 84 disinfectant."""
    store = services.store_create(by=by, area=area, name=name, kind="village")
    item = Item.objects.filter(county_id=area.county_id, name="84消毒液").first() or (
        services.item_create(by=by, name="84消毒液", category="disinfectant", low_stock=5)
    )
    if stock:
        services.stock_receive(by=by, store=store, item=item, quantity=stock, source="调拨")
    return store, item
