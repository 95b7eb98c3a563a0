"""Forms check the shape of the input; the services check what it means (stock, scope)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.forms import PersonField, people_covering
from fangkong.accounts.models import User
from fangkong.areas.models import Area, Level
from fangkong.core.clock import today_local
from fangkong.registry.models import Household
from fangkong.supplies.models import (
    DonorKind,
    EntryKind,
    Item,
    ItemCategory,
    RecipientKind,
    Store,
    StoreKind,
)

QUANTITY = forms.NumberInput(attrs={"inputmode": "numeric", "min": 1})
GOODS_LINES = 3


def _items(user: User) -> Any:
    return Item.objects.for_user(user)


def item_label(item: Item) -> str:
    return f"{item.name} ({item.unit_label})"


class ItemField(forms.ModelChoiceField):
    """An item shown with its unit."""

    def label_from_instance(self, obj: Any) -> str:
        return item_label(obj)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _dated(form: forms.Form) -> None:
    """The day a movement happened (today unless the paper says otherwise) and, for an earlier
    day, why it is recorded late: last on every movement form."""
    form.fields["on"] = forms.DateField(
        label=_("date it happened"), required=False, widget=DATE, initial=today_local
    )
    form.fields["late_reason"] = forms.CharField(
        label=_("why recorded late"),
        max_length=300,
        required=False,
        help_text=_("Only for an earlier date, e.g. typed from the paper ledger."),
    )


class MovementForm(forms.Form):
    item = ItemField(label=_("item"), queryset=Item.objects.none())
    quantity = forms.IntegerField(
        label=_("how many"), min_value=1, max_value=1_000_000, widget=QUANTITY
    )

    def __init__(self, *args: Any, user: User, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items(user)  # type: ignore[attr-defined]
        _dated(self)


class ReceiveForm(MovementForm):
    source = forms.CharField(
        label=_("from"), max_length=300, required=False, help_text=_("Bought, allocated by …")
    )


class HandOutForm(MovementForm):
    recipient_kind = forms.ChoiceField(
        label=_("given to"), choices=RecipientKind.choices, widget=forms.RadioSelect
    )
    household = forms.ModelChoiceField(
        label=_("household"),
        queryset=Household.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )
    staff = PersonField(label=_("staff member"), queryset=User.objects.none(), required=False)
    recipient_name = forms.CharField(
        label=_("recipient"),
        max_length=100,
        required=False,
        help_text=_("The checkpoint, or whoever else receives it."),
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, user: User, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, user=user, store=store, **kwargs)
        self.fields["household"].queryset = Household.objects.for_user(user)  # type: ignore[attr-defined]
        self.fields["staff"].queryset = people_covering(store.area)  # type: ignore[attr-defined]


class TransferForm(MovementForm):
    destination = forms.ModelChoiceField(label=_("to store"), queryset=Store.objects.none())
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, user: User, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, user=user, store=store, **kwargs)
        assert user.area is not None  # a store keeper sends to the stores of his own area
        self.fields["destination"].queryset = Store.objects.in_area(user.area).exclude(pk=store.pk)  # type: ignore[attr-defined]


class AdjustForm(forms.Form):
    item = ItemField(label=_("item"), queryset=Item.objects.none())
    change = forms.IntegerField(
        label=_("change"), help_text=_("Negative when some is missing or broken, e.g. -3.")
    )
    reason = forms.CharField(label=_("reason"), max_length=300)

    def __init__(self, *args: Any, user: User, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items(user)  # type: ignore[attr-defined]
        _dated(self)


class ThresholdForm(forms.Form):
    item = ItemField(label=_("item"), queryset=Item.objects.none())
    threshold = forms.IntegerField(
        label=_("low-stock warning at"),
        min_value=0,
        required=False,
        help_text=_("Empty: the item's own level."),
    )

    def __init__(self, *args: Any, user: User, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items(user)  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "name"), max_length=100)
    category = forms.ChoiceField(label=_("category"), choices=ItemCategory.choices)
    unit = forms.CharField(
        label=_("unit"),
        max_length=20,
        required=False,
        help_text=_("Only for items of the category other."),
    )
    low_stock = forms.IntegerField(label=_("low-stock warning at"), min_value=0, initial=0)


class StoreForm(forms.Form):
    area = forms.ModelChoiceField(label=_("area"), queryset=Area.objects.none())
    name = forms.CharField(label=pgettext_lazy("thing", "name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=StoreKind.choices)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.for_user(user).exclude(level=Level.COUNTY)  # type: ignore[attr-defined]


class DonationForm(forms.Form):
    area = forms.ModelChoiceField(label=_("received by (area)"), queryset=Area.objects.none())
    donor_name = forms.CharField(label=_("donor"), max_length=100)
    donor_kind = forms.ChoiceField(label=_("donor is a"), choices=DonorKind.choices)
    money = forms.CharField(
        label=_("money (yuan)"),
        max_length=15,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    received_on = forms.DateField(label=_("received on"), widget=DATE)
    late_reason = forms.CharField(
        label=_("why recorded late"),
        max_length=300,
        required=False,
        help_text=_("Only for an earlier date, e.g. typed from the paper ledger."),
    )
    store = forms.ModelChoiceField(
        label=_("goods go into"), queryset=Store.objects.none(), required=False
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.for_user(user).exclude(level=Level.GRID)  # type: ignore[attr-defined]
        self.fields["area"].initial = user.area_id
        assert user.area is not None
        self.fields["store"].queryset = Store.objects.in_area(user.area)  # type: ignore[attr-defined]
        self.fields["received_on"].initial = today_local()
        for n in range(1, GOODS_LINES + 1):
            self.fields[f"item{n}"] = ItemField(
                label=_("goods: item"), queryset=_items(user), required=False
            )
            self.fields[f"quantity{n}"] = forms.IntegerField(
                label=_("how many"),
                min_value=1,
                max_value=1_000_000,
                required=False,
                widget=QUANTITY,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        goods = []
        for n in range(1, GOODS_LINES + 1):
            item, quantity = data.pop(f"item{n}", None), data.pop(f"quantity{n}", None)
            if item is not None and not quantity:
                self.add_error(f"quantity{n}", _("How many?"))
            elif item is not None:
                goods.append((item, quantity))
        data["goods"] = goods
        return data


class CorrectForm(forms.Form):
    """Put a wrong movement right: the quantity it should have been (0: it never happened)."""

    quantity = forms.IntegerField(
        label=_("the right quantity"),
        min_value=0,
        max_value=1_000_000,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        help_text=_("0 if it should not have been entered at all."),
    )
    reason = forms.CharField(label=_("what was wrong"), max_length=300)


class LedgerFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("movement"), choices=[("", _("All movements")), *EntryKind.choices], required=False
    )
    store = forms.ModelChoiceField(
        label=_("store"), queryset=Store.objects.none(), required=False, empty_label=_("All stores")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = Store.objects.for_user(user)  # type: ignore[attr-defined]
