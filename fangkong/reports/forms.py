"""Forms check the shape of the input; the services check what it means."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.reports.figures import FIGURES
from fangkong.reports.services import REMARKS_MAX


class DayForm(forms.Form):
    date = forms.DateField(label=_("date"), required=False)

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
