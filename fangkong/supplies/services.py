"""Writes of supplies. Every movement goes through ``_move``: it locks the (store, item) balance
row, refuses to take it below zero, changes it and writes the ledger entry in one transaction.

Many people may hand out from one store at the same moment: each waits for the row lock held by
the one before, then sees the stock that one left. Balance rows are always locked in the order
of their store and item ids, so two transfers in opposite directions cannot deadlock. The check
constraint ``stock_balance_never_negative`` stays as the last guard. (On SQLite, writers are
serialised by ``BEGIN IMMEDIATE`` instead, and ``FOR UPDATE`` is a no-op.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require, require_hand_out
from fangkong.areas.models import Area
from fangkong.core.audit import audit_record
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.core.validators import validate_yuan
from fangkong.registry.models import Household
from fangkong.supplies.models import (
    Donation,
    DonorKind,
    EntryKind,
    Item,
    ItemCategory,
    LedgerEntry,
    RecipientKind,
    StockBalance,
    Store,
    StoreKind,
)

if TYPE_CHECKING:
    from fangkong.accounts.models import User

QUANTITY_MAX = 1_000_000


def _quantity(value: object, field: str = "quantity") -> int:
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError) as error:
        raise ValidationError({field: _("Enter a whole number.")}) from error
    if not 0 < quantity <= QUANTITY_MAX:
        raise ValidationError({field: _("Enter a number from 1 to 1,000,000.")})
    return quantity


def _same_county(store: Store, item: Item) -> None:
    if store.county_id != item.county_id:
        raise ValidationError({"item": _("This item belongs to another county's catalogue.")})


def _locked_balances(
    store_items: Iterable[tuple[Store, Item]],
) -> dict[tuple[int, int], StockBalance]:
    """The balance rows of these (store, item) pairs, created at 0 when missing, locked in the
    order of their ids (one order for everyone: no deadlock)."""
    keys = sorted({(s.pk, i.pk): (s, i) for s, i in store_items}.items())
    found: dict[tuple[int, int], StockBalance] = {}
    for (store_id, item_id), (store, _item) in keys:
        balance = (
            StockBalance.objects.select_for_update()
            .filter(county_id=store.county_id, store_id=store_id, item_id=item_id)
            .first()
        )
        if balance is None:
            try:
                with transaction.atomic():  # a savepoint: someone else may create it first
                    StockBalance.objects.create(
                        county_id=store.county_id, store_id=store_id, item_id=item_id, quantity=0
                    )
            except IntegrityError:
                pass
            balance = StockBalance.objects.select_for_update().get(
                county_id=store.county_id, store_id=store_id, item_id=item_id
            )
        found[(store_id, item_id)] = balance
    return found


def _short(balance: StockBalance, store: Store, item: Item) -> ValidationError:
    return ValidationError(
        {
            "quantity": _("Only %(n)s %(unit)s of %(item)s left in %(store)s.")
            % {
                "n": balance.quantity,
                "unit": item.unit_label,
                "item": item.name,
                "store": store.name,
            }
        },
        code="insufficient",
    )


def _move(
    balance: StockBalance,
    *,
    store: Store,
    item: Item,
    change: int,
    kind: EntryKind,
    by: User,
    at: dt.datetime,
    day: dt.date | None = None,
    **fields: object,
) -> LedgerEntry:
    """Change a locked balance and write its ledger entry; never below zero. ``day``: when it
    happened (default: the day of ``at``, when it is typed)."""
    after = balance.quantity + change
    if after < 0:
        raise _short(balance, store, item)
    try:
        with transaction.atomic():
            StockBalance.objects.filter(pk=balance.pk).update(quantity=F("quantity") + change)
    except IntegrityError as error:  # the check constraint: only if the lock was not held
        raise _short(balance, store, item) from error
    balance.quantity = after
    return LedgerEntry.objects.create(
        county_id=store.county_id,
        store=store,
        item=item,
        kind=kind,
        change=change,
        balance_after=after,
        at=at,
        day=day or timezone.localdate(at, local_tz()),
        by=by,
        **fields,
    )


# How far back a movement may be dated (a paper ledger of the last months, not of past years).
BACKDATE_DAYS = 366


def _movement_day(
    on: dt.date | None, at: dt.datetime, late_reason: str, *, field: str = "on"
) -> tuple[dt.date, str]:
    """The date a movement happened and why it is recorded late: today by default; never in
    the future; an earlier date needs the reason (the typing time stays in ``at`` and in the
    audit)."""
    typed_on = timezone.localdate(at, local_tz())
    late_reason = (late_reason or "").strip()[:300]
    if on is None or on == typed_on:
        return typed_on, ""
    if on > typed_on:
        raise ValidationError({field: _("The date cannot be in the future.")})
    if on < typed_on - dt.timedelta(days=BACKDATE_DAYS):
        raise ValidationError({field: _("The date is more than a year ago.")})
    if not late_reason:
        raise ValidationError(
            {"late_reason": _("Say why it is recorded after the day it happened.")}
        )
    return on, late_reason


def _dated(entry: LedgerEntry) -> str:
    """The audit's words for a movement dated before the day it was typed."""
    if not entry.late_reason:
        return ""
    return _("dated %(day)s: %(reason)s") % {"day": entry.day, "reason": entry.late_reason}


# --- catalogue and stores ---------------------------------------------------------------------


@transaction.atomic
def item_create(*, by: User, name: str, category: str, unit: str = "", low_stock: int = 0) -> Item:
    """An item of the county's catalogue (the user's county)."""
    area = require(by, None, Cap.SUPPLIES_MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the item.")})
    if category not in ItemCategory.values:
        raise ValidationError({"category": _("Choose a category.")})
    unit = (unit or "").strip()
    if category == ItemCategory.OTHER and not unit:
        raise ValidationError({"unit": _("Name the unit (box, bag, piece …).")})
    if category != ItemCategory.OTHER:
        unit = ""
    county_id = area.county_id
    assert county_id is not None
    if Item.objects.filter(county_id=county_id, name=name).exists():
        raise ValidationError({"name": _("An item of this name is already in the catalogue.")})
    item = Item.objects.create(
        county_id=county_id, name=name[:100], category=category, unit=unit[:20], low_stock=low_stock
    )
    audit_record(user=by, action=AuditAction.CREATE, area=by.area, obj=item)
    return item


@transaction.atomic
def store_create(*, by: User, area: Area, name: str, kind: str) -> Store:
    require(by, area, Cap.SUPPLIES_MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the store.")})
    if kind not in StoreKind.values:
        raise ValidationError({"kind": _("Choose the kind of store.")})
    if Store.objects.filter(county_id=area.county_id, name=name).exists():
        raise ValidationError({"name": _("A store of this name already exists.")})
    store = Store(area=area, name=name[:100], kind=kind)
    store.save()
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=store)
    return store


@transaction.atomic
def stock_set_threshold(
    *, by: User, store: Store, item: Item, threshold: int | None
) -> StockBalance:
    """The store's own low-stock warning level for the item (None: the item's level)."""
    require(by, store.area, Cap.SUPPLIES_MANAGE)
    _same_county(store, item)
    if threshold is not None and threshold < 0:
        raise ValidationError({"threshold": _("Enter 0 or more.")})
    balance = _locked_balances([(store, item)])[(store.pk, item.pk)]
    balance.low_threshold = threshold
    balance.save(update_fields=["low_threshold"])
    return balance


# --- movements --------------------------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *,
    by: User,
    store: Store,
    item: Item,
    quantity: object,
    source: str = "",
    at: dt.datetime | None = None,
    on: dt.date | None = None,
    late_reason: str = "",
) -> LedgerEntry:
    """Goods arriving (bought, allocated from above): ``source`` says from where; ``on`` the
    day they arrived (an earlier day than today with ``late_reason``)."""
    require(by, store.area, Cap.SUPPLIES_MANAGE)
    _same_county(store, item)
    amount = _quantity(quantity)
    at = at or timezone.now()
    day, late_reason = _movement_day(on, at, late_reason)
    balance = _locked_balances([(store, item)])[(store.pk, item.pk)]
    entry = _move(
        balance,
        store=store,
        item=item,
        change=amount,
        kind=EntryKind.RECEIVED,
        by=by,
        at=at,
        day=day,
        late_reason=late_reason,
        reason=(source or "").strip()[:300],
    )
    audit_record(
        user=by, action=AuditAction.CREATE, area=store.area, obj=entry, detail=_dated(entry)
    )
    return entry


@transaction.atomic
def stock_hand_out(
    *,
    by: User,
    store: Store,
    item: Item,
    quantity: object,
    recipient_kind: str,
    household: Household | None = None,
    staff: User | None = None,
    recipient_name: str = "",
    note: str = "",
    at: dt.datetime | None = None,
    on: dt.date | None = None,
    late_reason: str = "",
) -> LedgerEntry:
    """Hand out to a household, a checkpoint, a staff member or someone else; refused with the
    stock left when there is not enough. ``on``: the day it was handed out."""
    require_hand_out(by, store.area)
    _same_county(store, item)
    amount = _quantity(quantity)
    at = at or timezone.now()
    day, late_reason = _movement_day(on, at, late_reason)
    recipient_name = (recipient_name or "").strip()[:100]
    if recipient_kind not in RecipientKind.values:
        raise ValidationError({"recipient_kind": _("Choose who receives it.")})
    if recipient_kind == RecipientKind.HOUSEHOLD:
        if household is None:
            raise ValidationError({"household": _("Choose the household.")})
        if not household.area.is_within(store.area) or not by.can_see_area(household.area):
            raise ValidationError({"household": _("This household is not served by this store.")})
        staff, recipient_name = None, ""
    elif recipient_kind == RecipientKind.STAFF:
        if staff is None and not recipient_name:
            raise ValidationError({"recipient_name": _("Name the staff member.")})
        if staff is not None and (staff.area is None or staff.area.county_id != store.county_id):
            raise ValidationError({"staff": _("Choose a staff member of this county.")})
        household = None
    else:
        if not recipient_name:
            raise ValidationError({"recipient_name": _("Name the recipient.")})
        household, staff = None, None
    balance = _locked_balances([(store, item)])[(store.pk, item.pk)]
    entry = _move(
        balance,
        store=store,
        item=item,
        change=-amount,
        kind=EntryKind.HANDED_OUT,
        by=by,
        at=at,
        day=day,
        late_reason=late_reason,
        recipient_kind=recipient_kind,
        household=household,
        staff=staff,
        recipient_name=recipient_name,
        reason=(note or "").strip()[:300],
    )
    audit_record(
        user=by, action=AuditAction.CREATE, area=store.area, obj=entry, detail=_dated(entry)
    )
    return entry


@transaction.atomic
def stock_transfer(
    *,
    by: User,
    source: Store,
    destination: Store,
    item: Item,
    quantity: object,
    note: str = "",
    at: dt.datetime | None = None,
    on: dt.date | None = None,
    late_reason: str = "",
) -> tuple[LedgerEntry, LedgerEntry]:
    """Out of one store and into another: two entries naming each other, or nothing."""
    require(by, source.area, Cap.SUPPLIES_MANAGE)
    require(by, destination.area, Cap.SUPPLIES_MANAGE)
    _same_county(source, item)
    _same_county(destination, item)
    if source.pk == destination.pk:
        raise ValidationError({"destination": _("Choose another store.")})
    amount = _quantity(quantity)
    at = at or timezone.now()
    day, late_reason = _movement_day(on, at, late_reason)
    balances = _locked_balances([(source, item), (destination, item)])
    note = (note or "").strip()[:300]
    dated = {"at": at, "day": day, "late_reason": late_reason}
    out = _move(
        balances[(source.pk, item.pk)],
        store=source,
        item=item,
        change=-amount,
        kind=EntryKind.TRANSFERRED,
        by=by,
        reason=note,
        **dated,  # type: ignore[arg-type]
    )
    into = _move(
        balances[(destination.pk, item.pk)],
        store=destination,
        item=item,
        change=amount,
        kind=EntryKind.TRANSFERRED,
        by=by,
        reason=note,
        peer=out,
        **dated,  # type: ignore[arg-type]
    )
    out.peer = into
    out.save(update_fields=["peer"])
    audit_record(user=by, action=AuditAction.CREATE, area=source.area, obj=out, detail=_dated(out))
    return out, into


@transaction.atomic
def stock_adjust(
    *,
    by: User,
    store: Store,
    item: Item,
    change: object,
    reason: str,
    at: dt.datetime | None = None,
    on: dt.date | None = None,
    late_reason: str = "",
) -> LedgerEntry:
    """Put the stock right after a count (lost, broken, found), always with the reason. A
    movement entered wrongly is put right by ``entry_correct``, not by an adjustment."""
    require(by, store.area, Cap.SUPPLIES_MANAGE)
    _same_county(store, item)
    try:
        delta = int(str(change).strip())
    except (TypeError, ValueError) as error:
        raise ValidationError({"change": _("Enter a whole number, e.g. -3 or 5.")}) from error
    if delta == 0 or abs(delta) > QUANTITY_MAX:
        raise ValidationError({"change": _("Enter a change other than 0, e.g. -3 or 5.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    at = at or timezone.now()
    day, late_reason = _movement_day(on, at, late_reason)
    balance = _locked_balances([(store, item)])[(store.pk, item.pk)]
    try:
        entry = _move(
            balance,
            store=store,
            item=item,
            change=delta,
            kind=EntryKind.ADJUSTED,
            by=by,
            at=at,
            day=day,
            late_reason=late_reason,
            reason=reason[:300],
        )
    except ValidationError as error:
        raise ValidationError({"change": error.message_dict["quantity"]}) from error
    audit_record(
        user=by,
        action=AuditAction.CREATE,
        area=store.area,
        obj=entry,
        detail=" · ".join(filter(None, [reason, _dated(entry)])),
    )
    return entry


# --- corrections (冲正) ------------------------------------------------------------------------

# What a replacement movement copies from the one it replaces.
_KEPT = ("donation", "recipient_kind", "household", "staff", "recipient_name", "reason")


def _check_corrector(by: User, entry: LedgerEntry) -> None:
    """Storekeepers of the store (of both stores for a transfer); a hand-out also by the one
    who typed it, where he may hand out."""
    if entry.kind == EntryKind.HANDED_OUT and entry.by_id == by.pk:
        require_hand_out(by, entry.store.area)
        return
    require(by, entry.store.area, Cap.SUPPLIES_MANAGE)
    if entry.peer is not None:
        require(by, entry.peer.store.area, Cap.SUPPLIES_MANAGE)


@transaction.atomic
def entry_correct(
    *,
    by: User,
    entry: LedgerEntry,
    reason: str,
    quantity: object = 0,
    at: dt.datetime | None = None,
) -> list[LedgerEntry]:
    """Put a wrong movement right: a reversal (冲正) of the same kind that cancels its change
    and names it, and, when ``quantity`` is not 0, the right movement on the same day with the
    same recipient or source. A transfer is corrected in both stores at once. Both entries stay
    in the ledger; a reversal cannot itself be reversed, nor an entry twice. Stock never goes
    negative (receipts already handed out cannot be taken back). Returns the new entries."""
    # Both legs of a transfer locked, in id order: two people correcting either leg at the same
    # moment wait for each other, and the second finds it corrected.
    legs_ids = sorted({entry.pk, *([entry.peer_id] if entry.peer_id else [])})
    list(LedgerEntry.objects.select_for_update().filter(pk__in=legs_ids).order_by("pk"))
    entry = LedgerEntry.objects.select_related("store__area", "item", "peer__store__area").get(
        pk=entry.pk
    )
    _check_corrector(by, entry)
    if entry.reverses_id is not None:
        raise ValidationError(_("A reversal cannot be reversed: correct the original entry."))
    if LedgerEntry.objects.filter(reverses_id__in=[entry.pk, entry.peer_id or 0]).exists():
        raise ValidationError(_("This entry has already been corrected."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what was wrong.")})
    try:
        right = int(str(quantity if quantity is not None else "").strip() or 0)
    except ValueError as error:
        raise ValidationError({"quantity": _("Enter a whole number.")}) from error
    if right < 0 or right > QUANTITY_MAX:
        raise ValidationError({"quantity": _("Enter a number from 0 to 1,000,000.")})
    if right == entry.quantity:
        raise ValidationError({"quantity": _("This is the quantity already entered.")})
    at = at or timezone.now()
    legs = [entry] if entry.peer is None else sorted([entry, entry.peer], key=lambda e: e.change)
    balances = _locked_balances([(leg.store, leg.item) for leg in legs])
    before = {key: balance.quantity for key, balance in balances.items()}
    made: list[LedgerEntry] = []
    replaced: dict[int, LedgerEntry] = {}
    for leg in legs:  # per store: what adds comes first, so no step dips below zero
        sign = 1 if leg.change > 0 else -1
        steps = [("reverse", -leg.change)] + ([("replace", sign * right)] if right else [])
        for step, change in sorted(steps, key=lambda s: -s[1]):
            fields: dict[str, object] = {f: getattr(leg, f) for f in _KEPT}
            if step == "reverse":
                fields.update(reverses=leg, reason=reason[:300])
            else:
                fields.update(late_reason=leg.late_reason)
            try:
                new = _move(
                    balances[(leg.store_id, leg.item_id)],
                    store=leg.store,
                    item=leg.item,
                    change=change,
                    kind=EntryKind(leg.kind),
                    by=by,
                    at=at,
                    day=leg.day,
                    **fields,
                )
            except ValidationError as error:
                raise ValidationError(
                    {
                        "quantity": _(
                            "Cannot be corrected: %(store)s no longer holds enough %(item)s "
                            "(%(n)s left)."
                        )
                        % {
                            "store": leg.store.name,
                            "item": leg.item.name,
                            "n": before[(leg.store_id, leg.item_id)],
                        }
                    }
                ) from error
            made.append(new)
            if step == "replace":
                replaced[leg.pk] = new
    if entry.peer is not None:  # the two legs of each new transfer name each other
        reversals = [e for e in made if e.reverses_id is not None]
        for pair in [reversals, list(replaced.values())] if right else [reversals]:
            pair[0].peer, pair[1].peer = pair[1], pair[0]
            for new in pair:
                new.save(update_fields=["peer"])
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=entry.store.area,
        obj=entry,
        detail=_("reversed (%(was)s → %(right)s): %(reason)s")
        % {"was": entry.quantity, "right": right, "reason": reason},
    )
    return made


# --- donations --------------------------------------------------------------------------------


# A donation of money, in yuan to the fen (at most 100 million in one go).
DONATION_MAX = Decimal("100000000")


@transaction.atomic
def donation_record(
    *,
    by: User,
    area: Area,
    donor_name: str,
    donor_kind: str,
    received_on: dt.date,
    money: object = "0",
    goods: Iterable[tuple[Item, object]] = (),
    store: Store | None = None,
    note: str = "",
    at: dt.datetime | None = None,
    late_reason: str = "",
) -> Donation:
    """Money and goods from a donor; the goods are received into ``store`` (in the donation's
    area) as ledger entries naming the donation, on the day the donation was received (money
    and goods on one day; an earlier day than today with ``late_reason``). Prints as a
    receipt."""
    require(by, area, Cap.SUPPLIES_MANAGE)
    donor_name = (donor_name or "").strip()
    if not donor_name:
        raise ValidationError({"donor_name": _("Name the donor.")})
    if donor_kind not in DonorKind.values:
        raise ValidationError({"donor_kind": _("Choose who the donor is.")})
    amount = validate_yuan(money, field="money", maximum=DONATION_MAX)
    lines = [(item, _quantity(q)) for item, q in goods]
    if not amount and not lines:
        raise ValidationError(_("Enter the money or the goods given."))
    if lines:
        if store is None:
            raise ValidationError({"store": _("Choose the store that receives the goods.")})
        if not store.area.is_within(area) and not area.is_within(store.area):
            raise ValidationError({"store": _("Choose a store of this area.")})
        require(by, store.area, Cap.SUPPLIES_MANAGE)
        if len({item.pk for item, _q in lines}) != len(lines):
            raise ValidationError({"goods": _("List each item once.")})
        for item, _q in lines:
            _same_county(store, item)
    at = at or timezone.now()
    received_on, late_reason = _movement_day(received_on, at, late_reason, field="received_on")
    donation = Donation(
        area=area,
        donor_name=donor_name[:100],
        donor_kind=donor_kind,
        money=amount,
        received_on=received_on,
        received_by=by,
        note=(note or "").strip()[:300],
        late_reason=late_reason,
    )
    donation.save()
    if lines:
        assert store is not None
        balances = _locked_balances([(store, item) for item, _q in lines])
        for item, quantity in sorted(lines, key=lambda line: line[0].pk):
            _move(
                balances[(store.pk, item.pk)],
                store=store,
                item=item,
                change=quantity,
                kind=EntryKind.RECEIVED,
                by=by,
                at=at,
                day=received_on,
                late_reason=late_reason,
                donation=donation,
                reason=donor_name[:300],
            )
    detail = (
        _("dated %(day)s: %(reason)s") % {"day": received_on, "reason": late_reason}
        if late_reason
        else ""
    )
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=donation, detail=detail)
    return donation
