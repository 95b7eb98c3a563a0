"""Forms check the shape of what is typed; the services check what it means."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.masking import mask_id, mask_phone
from fangkong.core.validators import normalise_text, validate_id_number, validate_phone
from fangkong.registry.models import (
    GB11643_ID_TYPES,
    HOUSEHOLD_FIELDS,
    RESIDENT_FIELDS,
    Household,
    Resident,
)
from fangkong.registry.services import HOUSEHOLD_AREA_LEVELS


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:  # type: ignore[override]
        indent = "· " * max(obj.depth - 2, 0)
        return f"{indent}{obj.name} ({obj.get_level_display()})"


class PhoneField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validate_phone(value) if value else ""


class PersonalNumbersForm(forms.ModelForm):
    """On an edit form the full ID and phone numbers are never sent to the browser (that would be
    an unaudited reveal): the fields start empty, show the masked value, and empty means keep."""

    personal_fields: tuple[str, ...] = ()

    def hide_personal_numbers(self) -> None:
        if self.instance.pk is None:
            return
        for name in self.personal_fields:
            current = getattr(self.instance, name)
            self.initial[name] = ""
            if current:
                masked = mask_id(current) if name == "id_number" else mask_phone(current)
                self.fields[name].widget.attrs["placeholder"] = masked
                self.fields[name].help_text = _("Leave empty to keep %(masked)s.") % {
                    "masked": masked
                }

    def kept(self, name: str, raw: str) -> str | None:
        """The stored value when editing and nothing was typed, else None."""
        if self.instance.pk is not None and not str(raw).strip():
            return str(getattr(self.instance, name))
        return None


class HouseholdForm(PersonalNumbersForm):
    personal_fields = ("phone",)
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Grid / area"))
    phone = PhoneField(label=_("Contact phone"), required=False, max_length=30)

    class Meta:
        model = Household
        fields = ["area", *HOUSEHOLD_FIELDS]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = Area.objects.for_user(user).filter(level__in=HOUSEHOLD_AREA_LEVELS)
        field = self.fields["area"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = areas
        if self.instance.pk is None and user.area is not None and user.area.level == "grid":
            field.initial = user.area.pk
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.hide_personal_numbers()

    def clean_phone(self) -> str:
        kept = self.kept("phone", self.data.get(self.add_prefix("phone"), ""))
        return kept if kept is not None else self.cleaned_data["phone"]


class ResidentForm(PersonalNumbersForm):
    personal_fields = ("id_number", "phone")
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=40)
    phone = PhoneField(label=_("Phone"), required=False, max_length=30)

    class Meta:
        model = Resident
        fields = list(RESIDENT_FIELDS)
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "sex": _("Taken from a resident ID number; fill in only for other documents."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        )
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.hide_personal_numbers()

    def clean_phone(self) -> str:
        kept = self.kept("phone", self.data.get(self.add_prefix("phone"), ""))
        return kept if kept is not None else self.cleaned_data["phone"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        id_type = data.get("id_type")
        raw = self.data.get(self.add_prefix("id_number"), "")
        kept = self.kept("id_number", raw)
        if kept is not None:
            data["id_number"] = kept
        elif id_type in GB11643_ID_TYPES:
            try:
                data["id_number"] = validate_id_number(raw)
            except forms.ValidationError as error:
                self.add_error("id_number", error)
        else:
            data["id_number"] = normalise_text(raw)
        return data


class MoveInForm(forms.Form):
    """Take a household in from another county: named by one member's ID number (nothing of the
    household is shown before the move), the area it moves into, and why."""

    id_number = forms.CharField(
        label=_("ID number of a member of the household"),
        max_length=30,
        help_text=_("The household is found in the other county by this number."),
    )
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Moves into (area)"))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = Area.objects.for_user(user).filter(level__in=HOUSEHOLD_AREA_LEVELS)

    def clean_id_number(self) -> str:
        return validate_id_number(self.cleaned_data["id_number"])
