"""Forms check the shape of the input; the services check what it means."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.reports import figures
from fangkong.reports.models import DEFAULT_CUTOFF, CountyReportForm, ReportDeadline
from fangkong.reports.services import REMARKS_MAX


def figure_choices(*, with_section: bool = True) -> list[tuple[str, str]]:
    """Every registered figure (other apps register theirs when Django starts)."""
    return [
        (key, f"{f.section} · {f.label}" if with_section and f.section else str(f.label))
        for key, f in figures.FIGURES.items()
    ]


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
        fields = ["cutoff", "deadline", "township_deadline", "county_deadline", "amend_alone_until"]
        widgets = {
            "cutoff": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "amend_alone_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "deadline": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "township_deadline": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "county_deadline": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cutoff"].required = False

    def clean_cutoff(self) -> dt.time:
        return self.cleaned_data.get("cutoff") or DEFAULT_CUTOFF


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ObservationSettingsForm(forms.Form):
    """The county's temperature check-ins (names and windows) and how long a mistaken end of an
    observation may be undone: the shape here, the order of the windows in the service."""

    slot1_name = forms.CharField(
        label=_("Name of the first check-in"),
        max_length=20,
        required=False,
        help_text=_("Empty: morning."),
    )
    slot1_start = forms.TimeField(label=_("First check-in from"), widget=_time_input())
    slot1_end = forms.TimeField(label=_("First check-in until"), widget=_time_input())
    slot2_name = forms.CharField(
        label=_("Name of the second check-in"),
        max_length=20,
        required=False,
        help_text=_("Empty: evening."),
    )
    slot2_start = forms.TimeField(label=_("Second check-in from"), widget=_time_input())
    slot2_end = forms.TimeField(
        label=_("Second check-in until"),
        widget=_time_input(),
        help_text=_("Readings, self-reports too, are on time until then."),
    )
    end_undo_hours = forms.IntegerField(
        label=_("A mistaken end can be undone within (hours)"),
        min_value=0,
        max_value=720,
        help_text=_("0: an ended or released observation cannot be undone."),
    )
