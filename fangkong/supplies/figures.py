"""What the supplies add up to for (area, date): hand-outs by item and by category, donations,
and the stock running low. By the store's area: a township store's hand-outs count for the
township, a village store's for the village."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from fangkong.areas.models import Area
from fangkong.reports.figures import Areas, calendar_day, happened_before, happened_in
from fangkong.supplies.models import (
    COUNTED,
    Donation,
    EntryKind,
    ItemCategory,
    LedgerEntry,
    unit_of,
)


@dataclass(frozen=True)
class SupplyFigures:
    handouts_today: int
    masks_handed_out: int
    disinfectant_handed_out: int
    donations_money: Decimal
    donations: int


def supply_figures(
    area: Area, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> SupplyFigures:
    """Two aggregates: hand-outs (today; masks and bottles of disinfectant to date) and
    donations to date, of the calendar day or of ``window`` (the daily report's 16:00-to-16:00
    day). By when each movement happened (``happened_in``: a backlog typed later counts on its
    own day); a reversal cancels its hand-out in the sums, and neither counts as a hand-out."""
    return supply_figures_of(Areas(area), day, window)[area.pk]


def supply_figures_of(
    areas: Areas, day: dt.date, window: tuple[dt.datetime, dt.datetime] | None = None
) -> dict[int, SupplyFigures]:
    """``supply_figures`` of each of ``areas`` in the same two aggregates (grouped by area)."""
    window = window or calendar_day(day)
    handed = LedgerEntry.objects.in_area(areas.area).filter(
        happened_before(window[1], day="day", at="at"), kind=EntryKind.HANDED_OUT
    )
    counts_of = areas.aggregate(
        handed,
        "store__area",
        today=Count("pk", filter=happened_in(window, day="day", at="at") & COUNTED),
        masks=Sum("change", filter=Q(item__category=ItemCategory.MASK)),
        disinfectant=Sum("change", filter=Q(item__category=ItemCategory.DISINFECTANT)),
    )
    given = Donation.objects.in_area(areas.area).filter(
        happened_before(window[1], day="received_on", at="created_at")
    )
    donations_of = areas.aggregate(given, "area", n=Count("pk"), money=Sum("money"))
    return {
        key: SupplyFigures(
            handouts_today=counts_of[key]["today"],
            masks_handed_out=-(counts_of[key]["masks"] or 0),
            disinfectant_handed_out=-(counts_of[key]["disinfectant"] or 0),
            donations_money=donations_of[key]["money"] or Decimal("0"),
            donations=donations_of[key]["n"],
        )
        for key in areas.keys
    }


@dataclass(frozen=True)
class HandedOut:
    item_id: int
    name: str
    unit: str
    quantity: int
    times: int


def handed_out_by_item(area: Area, day: dt.date) -> list[HandedOut]:
    """Everything handed out up to ``day``, per item with its unit: one query."""
    rows = (
        LedgerEntry.objects.in_area(area)
        .filter(kind=EntryKind.HANDED_OUT, day__lte=day)
        .order_by()
        .values("item_id", "item__name", "item__category", "item__unit")
        .annotate(total=Sum("change"), times=Count("pk", filter=COUNTED))
        .order_by("item__category", "item__name")
    )
    return [
        HandedOut(
            item_id=r["item_id"],
            name=r["item__name"],
            unit=unit_of(r["item__category"], r["item__unit"]),
            quantity=-r["total"],
            times=r["times"],
        )
        for r in rows
        if r["total"]
    ]
