"""Supplies (物资): items, stores per area, donations, and the ledger of every movement.

Stock is what the ledger says: each entry (received, transferred, handed out, adjusted) changes
one (store, item) balance in the same transaction, under a row lock on that balance, and the
database refuses a negative balance (``stock_balance_never_negative``) as the last guard. The
balance is the running sum of the entries (``LedgerEntryQuerySet.sums`` checks it). Every row
carries ``county``, the tenant key.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.areas.models import Area
from fangkong.core.scoping import AreaFieldQuerySet, AreaScopedQuerySet
from fangkong.core.tenancy import CountyScoped


class ItemCategory(models.TextChoices):
    MASK = "mask", _("Masks")
    DISINFECTANT = "disinfectant", _("Disinfectant (bottles)")
    DISINFECTANT_BULK = "disinfectant_bulk", _("Disinfectant in bulk (kg)")
    ALCOHOL = "alcohol", _("Medical alcohol (bottles)")
    THERMOMETER = "thermometer", _("Thermometers")
    GLOVES = "gloves", _("Gloves")
    PROTECTIVE = "protective", _("Protective clothing")
    OTHER = "other", _("Other")


# Every item of a category is counted in the category's unit, so that the report can add up
# "masks handed out" or "bottles of disinfectant" across items; only "other" items name their own.
CATEGORY_UNITS = {
    ItemCategory.MASK: _("pieces"),
    ItemCategory.DISINFECTANT: _("bottles"),
    ItemCategory.DISINFECTANT_BULK: _("kg"),
    ItemCategory.ALCOHOL: _("bottles"),
    ItemCategory.THERMOMETER: _("pieces"),
    ItemCategory.GLOVES: _("pairs"),
    ItemCategory.PROTECTIVE: _("sets"),
}


def unit_of(category: str, unit: str) -> str:
    """The unit an item is counted in: its category's, or its own for "other"."""
    if category in CATEGORY_UNITS:
        return str(CATEGORY_UNITS[ItemCategory(category)])
    return unit


class ItemQuerySet(models.QuerySet["Item"]):
    def for_user(self, user: object) -> Self:
        """The county's catalogue: everyone bound to an area of the county sees it."""
        area = getattr(user, "area", None)
        if not getattr(user, "is_authenticated", False) or area is None:
            return self.none()
        return self.filter(county_id=area.county_id)


class Item(models.Model):
    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=ItemCategory.choices)
    unit = models.CharField(
        _("unit"), max_length=20, blank=True, help_text=_("Only for items of the category other.")
    )
    low_stock = models.PositiveIntegerField(
        _("low-stock warning at"),
        default=0,
        help_text=_(
            "Warn when a store holds this many or fewer (0: never). A store may set its own."
        ),
    )

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="item_name_unique_in_county"),
            models.CheckConstraint(
                condition=Q(category="other") | Q(unit=""), name="item_unit_only_for_other"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def unit_label(self) -> str:
        return unit_of(self.category, self.unit)


class StoreKind(models.TextChoices):
    TOWNSHIP = "township", _("Township store")
    VILLAGE = "village", _("Village store")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    OTHER = "other", _("Other")


class StoreQuerySet(AreaFieldQuerySet["Store"]):
    def for_user(self, user: object) -> Self:
        """The stores of the user's area and below, and those above it that serve it (a grid
        worker hands out from the village's store). A store holds no personal data; its ledger
        stays scoped to the area below the user."""
        area = getattr(user, "area", None)
        if not getattr(user, "is_authenticated", False) or area is None:
            return self.none()
        return self.filter(county_id=area.county_id).filter(
            Q(area__path__startswith=area.path) | Q(area__path__in=area.lineage_paths())
        )


class Store(CountyScoped):
    county_source = "area"
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="stores"
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=StoreKind.choices)

    objects = StoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="store_name_unique_in_county"),
        ]

    def __str__(self) -> str:
        return self.name


class StockBalanceQuerySet(AreaScopedQuerySet["StockBalance"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, store__area__path__startswith=area.path)

    def for_user(self, user: object) -> Self:
        """The stock of the stores the user sees (``StoreQuerySet.for_user``)."""
        return self.filter(store__in=Store.objects.for_user(user))

    def with_threshold(self) -> Self:
        """``threshold``: the store's own warning level for the item, else the item's."""
        return self.annotate(threshold=Coalesce(F("low_threshold"), F("item__low_stock")))

    def low(self) -> Self:
        """At or below the warning level (a level of 0 never warns)."""
        return self.with_threshold().filter(threshold__gt=0, quantity__lte=F("threshold"))


class StockBalance(CountyScoped):
    """The stock of one item in one store: the sum of its ledger entries, kept in the same
    transaction as each entry and locked (``SELECT … FOR UPDATE``) while it changes."""

    county_source = "store"

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances")
    quantity = models.IntegerField(_("in stock"), default=0)
    low_threshold = models.PositiveIntegerField(
        _("low-stock warning at"), null=True, blank=True, help_text=_("Empty: the item's level.")
    )

    objects = StockBalanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["store__name", "item__category", "item__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "store", "item"], name="stock_balance_one_per_store_item"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="stock_balance_never_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.item}: {self.quantity}"


class EntryKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRANSFERRED = "transferred", _("Transferred")
    HANDED_OUT = "handed_out", _("Handed out")
    ADJUSTED = "adjusted", _("Adjusted")


class RecipientKind(models.TextChoices):
    HOUSEHOLD = "household", _("A household")
    CHECKPOINT = "checkpoint", _("A checkpoint")
    STAFF = "staff", _("Staff")
    OTHER = "other", _("Other")


class LedgerEntryQuerySet(AreaScopedQuerySet["LedgerEntry"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, store__area__path__startswith=area.path)

    def handed_out(self) -> Self:
        return self.filter(kind=EntryKind.HANDED_OUT)

    def seen_by(self, user: object) -> Self:
        """The ledger of the user's area, and the movements the user typed himself (a grid
        worker's hand-outs from the village store, which he may correct)."""
        own = self.none()
        area = getattr(user, "area", None)
        if getattr(user, "is_authenticated", False) and area is not None:
            own = self.filter(county_id=area.county_id, by=user)
        return self.for_user(user) | own

    def counted(self) -> Self:
        """The movements that stand: neither reversed nor a reversal. Sums of ``change`` need
        no such filter (a reversal cancels its entry), counts of movements do."""
        return self.filter(COUNTED)

    def sums(self) -> dict[tuple[int, int], int]:
        """The stock the ledger says, per (store, item): what every balance must equal."""
        return {
            (row["store_id"], row["item_id"]): row["total"]
            for row in self.order_by().values("store_id", "item_id").annotate(total=Sum("change"))
        }


# A movement that stands: not a reversal, and not reversed by one.
COUNTED = Q(reverses__isnull=True, reversal__isnull=True)


class LedgerEntry(CountyScoped):
    """One movement of one item in or out of one store. Never edited nor deleted: a mistake is
    put right by a reversal (冲正) that names it (``reverses``) and cancels its change, kind for
    kind, so that "handed out", "received" and the stock are right again and both stay in the
    ledger; the right movement, if any, is then entered anew.

    ``day`` is the date the movement happened (a paper backlog typed later keeps its own day,
    with ``late_reason``); ``at`` is when it was typed, and orders the running ``balance_after``.
    """

    county_source = "store"

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="entries")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("movement"), max_length=12, choices=EntryKind.choices)
    change = models.IntegerField(_("change"))
    balance_after = models.IntegerField(_("stock after"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    day = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    donation = models.ForeignKey(
        "Donation", on_delete=models.PROTECT, null=True, blank=True, related_name="goods"
    )
    # A transfer is two entries, out of one store and into the other, each naming the other.
    peer = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient_kind = models.CharField(
        _("given to"), max_length=10, choices=RecipientKind.choices, blank=True
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient_name = models.CharField(_("recipient"), max_length=100, blank=True)
    reason = models.CharField(_("reason / source"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reversal of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
    )
    late_reason = models.CharField(_("why recorded late"), max_length=300, blank=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["county", "store", "item"], name="ledger_county_store_item"),
            models.Index(fields=["county", "kind", "day"], name="ledger_county_kind_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(change=0), name="ledger_change_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_never_negative"),
            models.CheckConstraint(
                condition=~Q(kind="received") | Q(change__gt=0) | Q(reverses__isnull=False),
                name="ledger_received_adds",
            ),
            models.CheckConstraint(
                condition=~Q(kind="handed_out")
                | (Q(change__lt=0) & ~Q(recipient_kind=""))
                | Q(reverses__isnull=False, change__gt=0),
                name="ledger_handed_out_takes_to_someone",
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | ~Q(reason=""),
                name="ledger_reversal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjusted") | ~Q(reason=""), name="ledger_adjusted_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.store} {self.item} {self.change:+d}"

    @property
    def quantity(self) -> int:
        return abs(self.change)

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def is_reversed(self) -> bool:
        return hasattr(self, "reversal")

    @property
    def recipient(self) -> str:
        if self.household_id is not None:
            return self.household.head_name  # type: ignore[union-attr]
        if self.staff_id is not None:
            return self.staff.get_full_name() or self.staff.username  # type: ignore[union-attr]
        return self.recipient_name


class DonorKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")
    ORGANISATION = "organisation", _("Organisation")


class DonationQuerySet(AreaFieldQuerySet["Donation"]):
    pass


class Donation(CountyScoped):
    """Money and goods given by a person or a company; the goods are the ledger entries that
    received them (``goods``). The receipt number is derived from the year and the id."""

    county_source = "area"

    area = models.ForeignKey(
        Area, verbose_name=_("received by (area)"), on_delete=models.PROTECT, related_name="+"
    )
    donor_name = models.CharField(_("donor"), max_length=100)
    donor_kind = models.CharField(_("donor is a"), max_length=12, choices=DonorKind.choices)
    money = models.DecimalField(
        _("money (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    received_on = models.DateField(_("received on"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    late_reason = models.CharField(_("why recorded late"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DonationQuerySet.as_manager()

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(money__gte=0), name="donation_money_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.donor_name}"

    @property
    def receipt_number(self) -> str:
        return f"JZ{self.received_on:%Y}-{self.pk or 0:06d}"
