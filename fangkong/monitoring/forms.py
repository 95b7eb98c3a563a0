"""Forms check the shape of the input; the services check what it means."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import Role, User
from fangkong.core.clock import today_local
from fangkong.core.validators import validate_phone
from fangkong.monitoring.models import (
    SLOT_CHOICES,
    AlertAction,
    Category,
    Mode,
    Source,
    Status,
)
from fangkong.registry.models import Resident


def responsible_users(user: User, role: Role) -> Any:
    """Users of a role the current user may assign: in his subtree or above him on his branch."""
    if user.area is None:
        return User.objects.none()
    parts = user.area.path.strip("/").split("/")
    above = ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]
    return (
        User.objects.filter(role=role, is_active=True, area__county_id=user.area.county_id)
        .filter(Q(area__path__startswith=user.area.path) | Q(area__path__in=above))
        .order_by("first_name", "username")
    )


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        choices=[("", _("Open (proposed or active)")), *Status.choices, ("all", _("All"))],
        required=False,
    )
    category = forms.ChoiceField(
        label=_("category"), choices=[("", _("All categories")), *Category.choices], required=False
    )
    mode = forms.ChoiceField(
        label=_("mode"), choices=[("", _("All modes")), *Mode.choices], required=False
    )


class CaseOpenForm(forms.Form):
    resident = forms.ModelChoiceField(
        label=_("resident"), queryset=Resident.objects.none(), widget=forms.HiddenInput
    )
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    mode = forms.ChoiceField(label=_("mode"), choices=Mode.choices, initial=Mode.HOME)
    site_name = forms.CharField(
        label=_("centralised site"),
        max_length=100,
        required=False,
        help_text=_("For centralised observation only."),
    )
    start_date = forms.DateField(
        label=_("start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    grid_worker = forms.ModelChoiceField(
        label=_("responsible grid worker"), queryset=User.objects.none(), required=False
    )
    doctor = forms.ModelChoiceField(
        label=_("responsible doctor"), queryset=User.objects.none(), required=False
    )
    source = forms.ChoiceField(label=_("source"), choices=Source.choices, initial=Source.MANUAL)
    source_ref = forms.CharField(label=_("source reference"), max_length=100, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.for_user(user)  # type: ignore[attr-defined]
        self.fields["grid_worker"].queryset = responsible_users(user, Role.GRID_WORKER)  # type: ignore[attr-defined]
        self.fields["doctor"].queryset = responsible_users(user, Role.DOCTOR)  # type: ignore[attr-defined]
        self.fields["grid_worker"].label_from_instance = _user_label  # type: ignore[attr-defined]
        self.fields["doctor"].label_from_instance = _user_label  # type: ignore[attr-defined]
        self.fields["start_date"].initial = today_local()


def _user_label(user: User) -> str:
    return f"{user.get_full_name() or user.username} · {user.area}"


class TemperatureField(forms.CharField):
    """Typed as text so '36.5℃' or '36,5' reach the service, which gives the clear message."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "36.5"}
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).replace(",", ".").strip()


class CheckInForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.TypedChoiceField(label=_("check-in"), coerce=int, choices=SLOT_CHOICES)
    temperature = TemperatureField(label=_("temperature (°C)"))
    symptoms = forms.CharField(label=_("symptoms"), max_length=200, required=False)


class SelfReportForm(forms.Form):
    temperature = TemperatureField(label=_("temperature (°C)"))
    symptoms = forms.CharField(
        label=_("anything unusual? (cough, fatigue …)"), max_length=200, required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EndEarlyForm(ReasonForm):
    transferred = forms.BooleanField(label=_("transferred to hospital"), required=False)


class ExtendForm(ReasonForm):
    days = forms.IntegerField(label=_("extend by (days)"), min_value=1, max_value=60, initial=7)


class AlertHandleForm(forms.Form):
    action = forms.ChoiceField(
        label=_("what was done"), choices=AlertAction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class VillageHelpForm(forms.Form):
    """The village's number to call and its fever advice (issue 15)."""

    phone = forms.CharField(
        label=_("number to call"),
        max_length=30,
        required=False,
        help_text=_("The village's duty phone. Empty: the phone of the village doctor or cadre."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    fever_advice = forms.CharField(
        label=_("what to do with a fever"),
        max_length=1000,
        required=False,
        help_text=_("Shown to a resident who reports a fever. Empty: the standard advice."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return validate_phone(value) if value else ""
