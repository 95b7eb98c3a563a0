"""Supplies pages: stock per store with low-stock warnings, the movements (receive, hand out,
transfer, adjust), the ledger, donations with a printable receipt, the catalogue and stores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.accounts.access import Cap, may_hand_out
from fangkong.core.clock import today_local
from fangkong.core.forms import submit
from fangkong.core.http import AuthedRequest
from fangkong.core.idempotency import idempotent_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import capability_required, scoped_login_required
from fangkong.registry.models import Household
from fangkong.supplies import figures, services
from fangkong.supplies.forms import (
    AdjustForm,
    CorrectForm,
    DonationForm,
    HandOutForm,
    ItemForm,
    LedgerFilterForm,
    MovementForm,
    ReceiveForm,
    StoreForm,
    ThresholdForm,
    TransferForm,
)
from fangkong.supplies.models import (
    Donation,
    LedgerEntry,
    LedgerEntryQuerySet,
    StockBalance,
    StockBalanceQuerySet,
    Store,
)


def _balances(request: AuthedRequest) -> StockBalanceQuerySet:
    return (
        StockBalance.objects.for_user(request.user)
        .with_threshold()
        .select_related("store", "item")
        .order_by("store__area__path", "store__name", "item__category", "item__name")
    )


@scoped_login_required
def index(request: AuthedRequest) -> HttpResponse:
    """Every store in scope with its stock, the low ones first; what was handed out so far."""
    assert request.user.area is not None
    by_store: dict[Store, list[StockBalance]] = defaultdict(list)
    for balance in _balances(request):
        by_store[balance.store].append(balance)
    stores = list(Store.objects.for_user(request.user).select_related("area"))
    return render(
        request,
        "supplies/index.html",
        {
            "stores": [(s, by_store.get(s, [])) for s in stores],
            "low": list(_balances(request).low()),
            "handed_out": figures.handed_out_by_item(request.user.area, today_local()),
            "is_keeper": request.user.may(Cap.SUPPLIES_MANAGE),
        },
    )


def _store(request: AuthedRequest, pk: int) -> Store:
    return get_object_or_404(Store.objects.for_user(request.user).select_related("area"), pk=pk)


def _entries(request: AuthedRequest) -> LedgerEntryQuerySet:
    return (
        LedgerEntry.objects.seen_by(request.user)
        .select_related("store", "item", "by", "household", "staff", "reversal")
        .defer("household__phone")
    )


@scoped_login_required
def store_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    store = _store(request, pk)
    return render(
        request,
        "supplies/store_detail.html",
        {
            "store": store,
            "balances": list(_balances(request).filter(store=store)),
            "entries": list(_entries(request).filter(store=store).order_by("-at", "-pk")[:30]),
            "is_keeper": request.user.may(Cap.SUPPLIES_MANAGE),
            "can_hand_out": may_hand_out(request.user, store.area),
            "can_correct": request.user.may(Cap.SUPPLIES_WRITE),
        },
    )


@dataclass(frozen=True)
class Movement:
    """One kind of movement: its form, the service it calls, its words, who may make it."""

    form: type[MovementForm | AdjustForm | ThresholdForm]
    action: Callable[..., object]
    title: str | Promise
    done: str | Promise
    capability: Cap


MOVEMENTS = {
    "receive": Movement(
        ReceiveForm,
        lambda by, store, d: services.stock_receive(by=by, store=store, **d),
        gettext_lazy("Receive goods"),
        gettext_lazy("Received."),
        Cap.SUPPLIES_MANAGE,
    ),
    "handout": Movement(
        HandOutForm,
        lambda by, store, d: services.stock_hand_out(by=by, store=store, **d),
        gettext_lazy("Hand out"),
        gettext_lazy("Handed out."),
        Cap.SUPPLIES_WRITE,
    ),
    "transfer": Movement(
        TransferForm,
        lambda by, store, d: services.stock_transfer(by=by, source=store, **d),
        gettext_lazy("Transfer to another store"),
        gettext_lazy("Transferred."),
        Cap.SUPPLIES_MANAGE,
    ),
    "adjust": Movement(
        AdjustForm,
        lambda by, store, d: services.stock_adjust(by=by, store=store, **d),
        gettext_lazy("Adjust the stock"),
        gettext_lazy("Stock adjusted."),
        Cap.SUPPLIES_MANAGE,
    ),
    "threshold": Movement(
        ThresholdForm,
        lambda by, store, d: services.stock_set_threshold(by=by, store=store, **d),
        gettext_lazy("Low-stock warning"),
        gettext_lazy("Warning level saved."),
        Cap.SUPPLIES_MANAGE,
    ),
}


@capability_required(Cap.SUPPLIES_WRITE)
@idempotent_page
def movement(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    spec = MOVEMENTS.get(kind)
    if spec is None:
        raise Http404
    store = _store(request, pk)
    if kind == "handout":
        if not may_hand_out(request.user, store.area):
            raise PermissionDenied
    elif not request.user.may(spec.capability, store.area):
        raise PermissionDenied
    form = spec.form(request.POST or None, user=request.user, store=store)
    picked: Household | None = None
    matches: list[Household] = []
    query = ""
    if kind == "handout":  # a household is found by name or address, then picked
        households = Household.objects.for_user(request.user).select_related("area").defer("phone")
        household_id = request.POST.get("household") or request.GET.get("household", "")
        if household_id.isdigit():
            picked = households.filter(pk=household_id).first()
            if picked is not None and request.method != "POST":
                form.initial.update({"household": picked.pk, "recipient_kind": "household"})
        query = request.GET.get("q", "").strip()[:50]
        if query:
            matches = list(households.search(query).order_by("address", "pk")[:20])

    if submit(request, form, lambda data: spec.action(request.user, store, dict(data))):
        messages.success(request, str(spec.done))
        return redirect("supplies:store_detail", pk=store.pk)
    return render(
        request,
        "supplies/movement.html",
        {
            "store": store,
            "form": form,
            "kind": kind,
            "title": spec.title,
            "picked": picked,
            "matches": matches,
            "query": query,
        },
    )


@scoped_login_required
def ledger(request: AuthedRequest) -> HttpResponse:
    form = LedgerFilterForm(request.GET or None, user=request.user)
    entries = _entries(request)
    query = []
    if form.is_valid():
        if kind := form.cleaned_data.get("kind"):
            entries = entries.filter(kind=kind)
            query.append(f"kind={kind}")
        if store := form.cleaned_data.get("store"):
            entries = entries.filter(store=store)
            query.append(f"store={store.pk}")
    page = paginate(request, entries.order_by("-at", "-pk"), default_size=50)
    return render(
        request,
        "supplies/ledger.html",
        {
            "form": form,
            "page": page,
            "query": "&".join(query),
            "can_correct": request.user.may(Cap.SUPPLIES_WRITE),
        },
    )


@capability_required(Cap.SUPPLIES_WRITE)
@idempotent_page
def entry_correct(request: AuthedRequest, pk: int) -> HttpResponse:
    """Correct one ledger entry (冲正): a reversal, and the right quantity if there was one.
    Storekeepers; a hand-out also by the one who typed it (the service decides: 403)."""
    entry = get_object_or_404(_entries(request).select_related("peer__store"), pk=pk)
    form = CorrectForm(request.POST or None)
    if submit(
        request,
        form,
        lambda d: services.entry_correct(
            by=request.user, entry=entry, reason=d["reason"], quantity=d["quantity"]
        ),
    ):
        messages.success(request, _("Corrected: both entries stay in the ledger."))
        return redirect(reverse("supplies:ledger") + f"?store={entry.store_id}")
    return render(request, "supplies/correct.html", {"entry": entry, "form": form})


@scoped_login_required
def donation_list(request: AuthedRequest) -> HttpResponse:
    donations = (
        Donation.objects.for_user(request.user)
        .select_related("area")
        .order_by("-received_on", "-pk")
    )
    return render(
        request,
        "supplies/donation_list.html",
        {"page": paginate(request, donations), "is_keeper": request.user.may(Cap.SUPPLIES_MANAGE)},
    )


@capability_required(Cap.SUPPLIES_MANAGE)
@idempotent_page
def donation_create(request: AuthedRequest) -> HttpResponse:
    form = DonationForm(request.POST or None, user=request.user)
    if donation := submit(request, form, lambda d: services.donation_record(by=request.user, **d)):
        messages.success(request, _("Donation recorded: print the receipt."))
        return redirect("supplies:donation_receipt", pk=donation.pk)
    return render(
        request,
        "form_page.html",
        {
            "title": _("Record a donation"),
            "form": form,
            "cancel_url": reverse("supplies:donation_list"),
        },
    )


@scoped_login_required
def donation_receipt(request: AuthedRequest, pk: int) -> HttpResponse:
    """The printable receipt (捐赠收据) for the donor."""
    donation = get_object_or_404(
        Donation.objects.for_user(request.user).select_related("area", "received_by"), pk=pk
    )
    goods = list(donation.goods.select_related("item", "store").order_by("pk"))
    return render(request, "supplies/receipt.html", {"donation": donation, "goods": goods})


@capability_required(Cap.SUPPLIES_MANAGE)
def item_create(request: AuthedRequest) -> HttpResponse:
    form = ItemForm(request.POST or None)
    if submit(request, form, lambda d: services.item_create(by=request.user, **d)):
        messages.success(request, _("Item added to the catalogue."))
        return redirect("supplies:index")
    return render(
        request,
        "form_page.html",
        {"title": _("New item"), "form": form, "cancel_url": reverse("supplies:index")},
    )


@capability_required(Cap.SUPPLIES_MANAGE)
def store_create(request: AuthedRequest) -> HttpResponse:
    form = StoreForm(request.POST or None, user=request.user)
    if store := submit(request, form, lambda d: services.store_create(by=request.user, **d)):
        messages.success(request, _("Store created."))
        return redirect("supplies:store_detail", pk=store.pk)
    return render(
        request,
        "form_page.html",
        {"title": _("New store"), "form": form, "cancel_url": reverse("supplies:index")},
    )
