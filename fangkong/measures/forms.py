"""Forms check the shape of the input; the services check what it means."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.forms import PersonField, people_around
from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.core.clock import today_local
from fangkong.measures.models import (
    CHECKLIST,
    AccountabilityMeasure,
    Finding,
    GatheringKind,
    GatheringOutcome,
    Inspection,
    InspectionMode,
    KeyPlace,
    PlaceKind,
    PublicityKind,
    VenueKind,
    VenueStatus,
)
from fangkong.supplies.forms import ItemField
from fangkong.supplies.models import Item, Store

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _AreaForm(forms.Form):
    """A record of an area in the user's scope (his own area by default)."""

    area = forms.ModelChoiceField(label=_("area"), queryset=Area.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.for_user(user)  # type: ignore[attr-defined]
        self.fields["area"].initial = user.area_id
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and field.initial is None:
                field.initial = today_local()


class PlaceForm(_AreaForm):
    name = forms.CharField(label=pgettext_lazy("thing", "name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=PlaceKind.choices)
    responsible = PersonField(
        label=_("person in charge"), queryset=User.objects.none(), required=False
    )
    since = forms.DateField(label=_("on the plan since"), widget=DATE)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        assert user.area is not None
        self.fields["responsible"].queryset = people_around(user.area)  # type: ignore[attr-defined]


class DisinfectionForm(forms.Form):
    day = forms.DateField(label=_("date"), widget=DATE)
    agent = ItemField(
        label=_("agent used"),
        queryset=Item.objects.none(),
        required=False,
        help_text=_("Taken from the store below; empty for cleaning only."),
    )
    quantity = forms.IntegerField(label=_("how many"), min_value=1, required=False, initial=1)
    store = forms.ModelChoiceField(
        label=_("taken from"), queryset=Store.objects.none(), required=False
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, user: User, place: KeyPlace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = today_local()
        self.fields["agent"].queryset = Item.objects.for_user(user)  # type: ignore[attr-defined]
        stores = Store.objects.for_user(user)
        self.fields["store"].queryset = stores  # type: ignore[attr-defined]
        nearest = (
            stores.filter(area__path__in=place.area.lineage_paths())
            .order_by("-area__depth")
            .first()
        )
        self.fields["store"].initial = nearest.pk if nearest else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("agent") is None:
            data["quantity"] = 0
        elif not data.get("quantity"):
            self.add_error("quantity", _("How many?"))
        return data


class GatheringForm(_AreaForm):
    kind = forms.ChoiceField(label=_("kind"), choices=GatheringKind.choices)
    family = forms.CharField(label=_("family"), max_length=100)
    event_date = forms.DateField(
        label=_("date"),
        widget=DATE,
        help_text=_("The planned day; for a funeral, the day of the death."),
    )
    reported_on = forms.DateField(label=_("reported on"), widget=DATE)
    expected_people = forms.IntegerField(label=_("people expected"), min_value=0, required=False)
    outcome = forms.ChoiceField(label=_("outcome"), choices=GatheringOutcome.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[c for c in GatheringOutcome.choices if c[0] != GatheringOutcome.PENDING],
        widget=forms.RadioSelect,
    )
    day = forms.DateField(label=_("date"), widget=DATE)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = today_local()


class VenueForm(_AreaForm):
    name = forms.CharField(label=pgettext_lazy("thing", "name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=VenueKind.choices)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=_("status"), choices=VenueStatus.choices, initial=VenueStatus.CLOSED
    )
    conditions = forms.CharField(label=_("conditions / note"), max_length=300, required=False)
    day = forms.DateField(label=_("date"), widget=DATE)


class VenueCheckForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status from now"), choices=VenueStatus.choices, widget=forms.RadioSelect
    )
    complied = forms.BooleanField(label=_("kept to the rules"), required=False, initial=True)
    conditions = forms.CharField(label=_("conditions / note"), max_length=300, required=False)
    day = forms.DateField(label=_("date"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = today_local()


class PublicityForm(_AreaForm):
    day = forms.DateField(label=_("date"), widget=DATE)
    kind = forms.ChoiceField(label=_("kind"), choices=PublicityKind.choices)
    quantity = forms.IntegerField(label=_("how many"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class InspectionForm(_AreaForm):
    day = forms.DateField(label=_("date"), widget=DATE)
    mode = forms.ChoiceField(
        label=_("how"), choices=InspectionMode.choices, initial=InspectionMode.UNANNOUNCED
    )
    team = forms.CharField(label=_("team"), max_length=100, required=False)
    summary = forms.CharField(
        label=_("summary"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        for key, label in CHECKLIST:
            self.fields[f"check_{key}"] = forms.ChoiceField(
                label=label,
                choices=[
                    ("", _("not looked at")),
                    ("ok", _("in order")),
                    ("problem", _("a problem")),
                ],
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        checklist = {}
        for key, _label in CHECKLIST:
            value = data.pop(f"check_{key}", "")
            if value:
                checklist[key] = value == "ok"
        data["checklist"] = checklist
        return data


class FindingForm(forms.Form):
    item = forms.ChoiceField(label=_("checklist item"), choices=CHECKLIST)
    description = forms.CharField(label=_("what was found"), max_length=500)
    deadline = forms.DateField(label=_("to put right by"), widget=DATE)


class CloseFindingForm(forms.Form):
    closure = forms.CharField(
        label=_("how it was put right"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    day = forms.DateField(label=_("date"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = today_local()


class AccountabilityForm(forms.Form):
    person_name = forms.CharField(label=_("person"), max_length=50)
    position = forms.CharField(label=_("position"), max_length=100, required=False)
    measure = forms.ChoiceField(label=_("measure"), choices=AccountabilityMeasure.choices)
    finding = forms.ModelChoiceField(
        label=_("finding"), queryset=Finding.objects.none(), required=False
    )
    day = forms.DateField(label=_("date"), widget=DATE)

    def __init__(self, *args: Any, inspection: Inspection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = inspection.findings.all()  # type: ignore[attr-defined]
        self.fields["day"].initial = today_local()
