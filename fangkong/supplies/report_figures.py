"""Supplies in the daily report: hand-outs today, masks and bottles of disinfectant handed out to
date, donations received to date. One shared aggregate for all of them."""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.reports.figures import TIMES, Figure, FigureContext, register
from fangkong.supplies.figures import SupplyFigures, supply_figures
from fangkong.supplies.models import CATEGORY_UNITS, ItemCategory

SUPPLIES = _("Supplies and donations")


def _supplies(ctx: FigureContext) -> SupplyFigures:
    return ctx.shared("supplies", supply_figures)


def _ledger(ctx: FigureContext) -> str:
    return reverse("supplies:ledger") + "?kind=handed_out"


for _figure in [
    Figure(
        "supplies_handouts_today",
        _("Hand-outs of supplies today"),
        TIMES,
        lambda c: _supplies(c).handouts_today,
        link=_ledger,
    ),
    Figure(
        "supplies_masks_handed_out",
        _("Masks handed out in total"),
        CATEGORY_UNITS[ItemCategory.MASK],
        lambda c: _supplies(c).masks_handed_out,
        link=_ledger,
    ),
    Figure(
        "supplies_disinfectant_handed_out",
        _("Disinfectant handed out in total"),
        CATEGORY_UNITS[ItemCategory.DISINFECTANT],
        lambda c: _supplies(c).disinfectant_handed_out,
        link=_ledger,
    ),
    Figure(
        "supplies_donations_money",
        _("Money donated in total"),
        _("yuan"),
        lambda c: float(_supplies(c).donations_money),
        link=lambda c: reverse("supplies:donation_list"),
    ),
]:
    register(replace(_figure, section=SUPPLIES))
