"""Forms check the shape of the input; the services check what it means."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.reports import figures
from fangkong.reports.models import CountyReportForm, ReportDeadline
from fangkong.reports.services import REMARKS_MAX

# Dates a report page accepts: anything else falls back to today (and trends stay computable).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def figure_choices(*, with_section: bool = True) -> list[tuple[str, str]]:
    """Every registered figure (other apps register theirs when Django starts)."""
    return [
        (key, f"{f.section} · {f.label}" if with_section and f.section else str(f.label))
        for key, f in figures.FIGURES.items()
    ]


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
        label=_("figure"), choices=lambda: figure_choices(with_section=False), required=False
    )
    days = forms.TypedChoiceField(
        label=_("days"), choices=[(14, "14"), (30, "30")], coerce=int, required=False
    )


class FigureSelectionForm(forms.ModelForm):
    """A county's choice of figures for its village daily report."""

    figure_keys = forms.MultipleChoiceField(
        label=_("Figures of the village daily report"),
        choices=figure_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Figures keep the standard order; a percentage brings the figures it is computed from."
        ),
    )

    class Meta:
        model = CountyReportForm
        fields = ["figure_keys"]

    def clean_figure_keys(self) -> list[str]:
        return figures.with_parts(self.cleaned_data["figure_keys"])


class DeadlineForm(forms.ModelForm):
    class Meta:
        model = ReportDeadline
        fields = ["deadline", "township_deadline", "county_deadline"]
        widgets = {
            "deadline": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "township_deadline": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "county_deadline": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
