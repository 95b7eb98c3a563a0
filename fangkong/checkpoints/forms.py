"""Forms validate shape; the services validate meaning (plates, IDs, phones, fevers ...)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.checkpoints.models import (
    Checkpoint,
    CheckpointKind,
    Direction,
    Outcome,
    Subject,
    VehicleType,
)
from fangkong.checkpoints.services import (
    MAX_PEOPLE_PER_VEHICLE,
    SELF_REGISTRATION_OTHERS,
    OccupantDetails,
    PassageDetails,
)
from fangkong.registry.models import Resident

_NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}
_TEMPERATURE = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "36.5"}


OCCUPANT_FIELDS = ("name", "phone", "id_number", "temperature", "destination", "outcome")


def occupants_from(data: Any) -> list[OccupantDetails]:
    """The rows ``occ-<n>-<field>`` of the desk form, in seat order (blank rows included)."""
    rows: list[OccupantDetails] = []
    for seat in range(1, MAX_PEOPLE_PER_VEHICLE + 1):
        values = {f: str(data.get(f"occ-{seat}-{f}", "") or "").strip() for f in OCCUPANT_FIELDS}
        if not any(f"occ-{seat}-{f}" in data for f in OCCUPANT_FIELDS):
            break
        rows.append(OccupantDetails(**values))  # type: ignore[arg-type]
    return rows


def occupant_rows(data: Any, people: int) -> list[dict[str, str]]:
    """What the desk shows: the rows typed so far, and blank ones up to ``people``."""
    typed = [vars(o) for o in occupants_from(data)]
    want = max(len(typed), min(max(people, 1), MAX_PEOPLE_PER_VEHICLE))
    blank = dict.fromkeys(OCCUPANT_FIELDS, "")
    return [*typed, *[dict(blank) for _ in range(want - len(typed))]]


class _Details(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, widget=forms.RadioSelect, initial="in"
    )
    subject = forms.ChoiceField(
        label=_("Who"), choices=Subject.choices, widget=forms.RadioSelect, initial="person"
    )
    plate = forms.CharField(
        label=_("Plate"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    people = forms.IntegerField(label=_("People in the vehicle"), min_value=1, initial=1)
    name = forms.CharField(label=_("Full name"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs=_NUMERIC)
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    travel_from = forms.CharField(label=_("Where from"), max_length=100, required=False)
    destination = forms.CharField(label=_("Where to"), max_length=100, required=False)
    purpose = forms.CharField(label=_("Why"), max_length=100, required=False)

    def details(self) -> PassageDetails:
        data = self.cleaned_data
        return PassageDetails(
            direction=data["direction"],
            subject=data["subject"],
            plate=data.get("plate", ""),
            vehicle_type=data.get("vehicle_type", ""),
            people=data.get("people") or 1,
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            id_number=data.get("id_number", ""),
            travel_from=data.get("travel_from", ""),
            destination=data.get("destination", ""),
            purpose=data.get("purpose", ""),
            notes=data.get("notes", ""),
            occupants=occupants_from(self.data) if self.is_bound else [],
        )


class PassageForm(_Details):
    vehicle_type = forms.ChoiceField(
        label=_("Vehicle type"), choices=VehicleType.choices, required=False, initial="car"
    )
    temperature = forms.CharField(
        label=_("Temperature (°C)"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs=_TEMPERATURE),
    )
    notes = forms.CharField(label=_("Notes"), max_length=200, required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)

    field_order = [
        "direction",
        "subject",
        "plate",
        "vehicle_type",
        "people",
        "name",
        "phone",
        "id_number",
        "travel_from",
        "destination",
        "purpose",
        "temperature",
        "notes",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The outcome is the button pressed; the others are for a vehicle only.
        self.fields["outcome"].widget = forms.HiddenInput()
        self.fields["people"].required = False


SELF_OTHER_FIELDS = ("name", "phone", "id_number")


class SelfRegistrationForm(_Details):
    """Only what is needed, on the visitor's own phone; in a vehicle, the other people too
    (rows ``occ-<seat>-name|phone|id_number``, seats 2 to 5), so the desk only checks them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "phone", "travel_from"):
            self.fields[name].required = True
        self.fields["people"].required = False
        self.fields["id_number"].help_text = _("Optional; speeds up the check.")

    def others(self) -> list[OccupantDetails]:
        """The other people's rows as typed (blank rows included), seat 2 first."""
        data = self.data or {}
        return [
            OccupantDetails(
                **{
                    f: str(data.get(f"occ-{seat}-{f}", "") or "").strip()[:50]
                    for f in SELF_OTHER_FIELDS
                }
            )
            for seat in range(2, 2 + SELF_REGISTRATION_OTHERS)
        ]

    def other_rows(self) -> list[dict[str, Any]]:
        """What the page shows: one row per seat, with what was typed (numbers kept only when
        the form comes back with errors, on the visitor's own phone)."""
        return [{"seat": seat, **vars(other)} for seat, other in enumerate(self.others(), start=2)]


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Pass number or code"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, widget=forms.RadioSelect, initial="out"
    )
    # Chosen among the household's people who may use the pass (shown when one is observed).
    holder = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    temperature = forms.CharField(
        label=_("Temperature (°C)"), max_length=6, widget=forms.TextInput(attrs=_TEMPERATURE)
    )
    outcome = forms.ChoiceField(choices=Outcome.choices, initial=Outcome.ALLOWED)


class CheckpointForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CheckpointKind.choices)
    opens_at = forms.TimeField(
        label=_("Opens at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Empty: round the clock."),
    )
    closes_at = forms.TimeField(
        label=_("Closes at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    active = forms.BooleanField(label=_("In service"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.for_user(user).exclude(level="grid")  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, checkpoint: Checkpoint) -> dict[str, Any]:
        return {
            "area": checkpoint.area_id,
            "name": checkpoint.name,
            "kind": checkpoint.kind,
            "opens_at": checkpoint.opens_at,
            "closes_at": checkpoint.closes_at,
            "active": checkpoint.active,
        }


class PassForm(forms.Form):
    holders = forms.ModelMultipleChoiceField(
        label=_("Who may use it"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nobody chosen: any member of the household."),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    uses_allowed = forms.IntegerField(
        label=_("Times out allowed"), min_value=1, max_value=20, required=False, initial=1
    )
    every_days = forms.IntegerField(label=_("Every … days"), min_value=1, max_value=30, initial=2)
    rule_note = forms.CharField(
        label=_("Usage rule"), max_length=100, required=False, initial=_("for shopping")
    )

    def __init__(self, *args: Any, household: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holders"].queryset = Resident.objects.filter(  # type: ignore[attr-defined]
            county_id=household.county_id, household=household
        ).defer("id_number", "phone")
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = today + dt.timedelta(days=13)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
