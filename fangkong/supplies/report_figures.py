"""Supplies in the daily report: hand-outs today, masks and bottles of disinfectant handed out to
date, donations received to date. One shared aggregate for all of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.reports.figures import (
    TIMES,
    Areas,
    Figure,
    FigureContext,
    Records,
    Window,
    register,
    shared_below,
    sum_of,
)
from fangkong.supplies.figures import SupplyFigures, supply_figures, supply_figures_of
from fangkong.supplies.models import (
    CATEGORY_UNITS,
    COUNTED,
    Donation,
    EntryKind,
    ItemCategory,
    LedgerEntry,
)

SUPPLIES = _("Supplies and donations")


def _supplies(ctx: FigureContext) -> SupplyFigures:
    return ctx.shared("supplies", lambda area, day: supply_figures(area, day, ctx.window))


def _ledger(ctx: FigureContext) -> str:
    return reverse("supplies:ledger") + "?kind=handed_out"


_STORE = "store__area__name"


def _handed_out(*, today: bool = False, category: str = ""):  # type: ignore[no-untyped-def]
    def rows(ctx: FigureContext) -> QuerySet:
        entries = LedgerEntry.objects.in_area(ctx.area).filter(kind=EntryKind.HANDED_OUT)
        when = ctx.during if today else ctx.by_end
        entries = entries.filter(when(day="day", at="at"))
        if today:  # hand-outs made, not their reversals (as the figure counts them)
            entries = entries.filter(COUNTED)
        return entries.filter(item__category=category) if category else entries

    return rows


def _donations(ctx: FigureContext) -> QuerySet:
    return Donation.objects.in_area(ctx.area).filter(ctx.by_end(day="received_on", at="created_at"))


for _figure in [
    Figure(
        "supplies_handouts_today",
        _("Hand-outs of supplies today"),
        TIMES,
        lambda c: _supplies(c).handouts_today,
        records=Records(_handed_out(today=True), _STORE, page=_ledger),
    ),
    Figure(
        "supplies_masks_handed_out",
        _("Masks handed out in total"),
        CATEGORY_UNITS[ItemCategory.MASK],
        lambda c: _supplies(c).masks_handed_out,
        records=Records(
            _handed_out(category=ItemCategory.MASK),
            _STORE,
            total=sum_of("change", sign=-1),
            page=_ledger,
        ),
    ),
    Figure(
        "supplies_disinfectant_handed_out",
        _("Disinfectant handed out in total"),
        CATEGORY_UNITS[ItemCategory.DISINFECTANT],
        lambda c: _supplies(c).disinfectant_handed_out,
        records=Records(
            _handed_out(category=ItemCategory.DISINFECTANT),
            _STORE,
            total=sum_of("change", sign=-1),
            page=_ledger,
        ),
    ),
    Figure(
        "supplies_donations_money",
        _("Money donated in total"),
        _("yuan"),
        lambda c: float(_supplies(c).donations_money),
        records=Records(
            _donations,
            "area__name",
            total=sum_of("money"),
            page=lambda c: reverse("supplies:donation_list"),
        ),
    ),
]:
    register(replace(_figure, section=SUPPLIES))


# The same computations for a roll-up's area and every area below it at once (one grouped
# query each: ``figures.compute_below``).


@shared_below("supplies")
def _supplies_of(areas: Areas, day: dt.date, window: Window) -> dict[int, object]:
    return dict(supply_figures_of(areas, day, window))
