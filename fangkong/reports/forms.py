"""Forms check the shape of the input; the services check what it means."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.reports.figures import FIGURES
from fangkong.reports.services import REMARKS_MAX

# Dates a report page accepts: anything else falls back to today (and trends stay computable).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


class DayForm(forms.Form):
    date = forms.DateField(label=_("date"), required=False)

    def clean_date(self) -> dt.date | None:
        day = self.cleaned_data.get("date")
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(_("Enter a date between 2000 and 2099."))
        return day

    def day(self, default: dt.date) -> dt.date:
        if self.is_valid() and self.cleaned_data.get("date"):
            return self.cleaned_data["date"]
        return default


class SubmitForm(forms.Form):
    remarks = forms.CharField(
        label=_("Remarks (typed in)"),
        max_length=REMARKS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The only field typed by hand: every figure comes from the records."),
    )


class AmendForm(SubmitForm):
    reason = forms.CharField(label=_("Reason for the amendment"), max_length=500)


class TrendForm(forms.Form):
    figure = forms.ChoiceField(
        label=_("figure"), choices=[(k, f.label) for k, f in FIGURES.items()], required=False
    )
    days = forms.TypedChoiceField(
        label=_("days"), choices=[(14, "14"), (30, "30")], coerce=int, required=False
    )
