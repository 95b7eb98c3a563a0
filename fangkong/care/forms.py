"""Forms check the shape of the input; the services check what it means."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.forms import PersonField, people_covering
from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.care.models import CareKind, ErrandKind, ErrandSource
from fangkong.core.clock import today_local
from fangkong.registry.models import Household, Resident

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = forms.TextInput(
    attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}
)


class ErrandRequestForm(forms.Form):
    """What a resident fills in on the personal link: three taps and a few words."""

    kind = forms.ChoiceField(
        label=_("What do you need?"), choices=ErrandKind.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Details (what, how much)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    needed_by = forms.DateField(label=_("needed by"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needed_by"].initial = today_local()


class ErrandCreateForm(ErrandRequestForm):
    """A request taken by a worker: at the door, or on the phone."""

    household = forms.ModelChoiceField(
        label=_("household"), queryset=Household.objects.none(), widget=forms.HiddenInput
    )
    source = forms.ChoiceField(
        label=_("asked through"),
        choices=[
            (ErrandSource.PHONE, ErrandSource.PHONE.label),
            (ErrandSource.WORKER, _("In person")),
        ],
        initial=ErrandSource.PHONE,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.for_user(user)  # type: ignore[attr-defined]
        self.fields["kind"].label = _("kind")
        self.fields["details"].label = _("what is needed")


class ErrandFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("open", _("Waiting (requested or taken)")),
        ("requested", _("Not yet taken")),
        ("mine", _("Taken by me")),
        ("done", _("Done")),
        ("owed", _("Done, money still owed")),
        ("cancelled", _("Cancelled")),
        ("all", _("All")),
    ]
    status = forms.ChoiceField(label=_("status"), choices=STATUS_CHOICES, required=False)


class AssignForm(forms.Form):
    assignee = PersonField(label=_("give to"), queryset=User.objects.none())

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people_covering(area)  # type: ignore[attr-defined]


class TakeForm(forms.Form):
    """Nothing to fill in: taking an errand is one tap."""


class DoneForm(forms.Form):
    money_spent = forms.CharField(
        label=_("money advanced (yuan)"),
        max_length=12,
        required=False,
        widget=MONEY,
        help_text=_("What you paid for the household; 0 if nothing."),
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RepayForm(forms.Form):
    amount = forms.CharField(label=_("amount repaid (yuan)"), max_length=12, widget=MONEY)


class CarePlanForm(forms.Form):
    resident = forms.ModelChoiceField(
        label=_("resident"), queryset=Resident.objects.none(), widget=forms.HiddenInput
    )
    kind = forms.ChoiceField(label=_("kind"), choices=CareKind.choices)
    description = forms.CharField(label=_("what to do"), max_length=300)
    every_days = forms.IntegerField(
        label=_("every (days)"),
        min_value=1,
        max_value=90,
        initial=7,
        help_text=_("1 for every day, 7 for every week."),
    )
    starts_on = forms.DateField(label=_("starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("ends on"), required=False, widget=DATE)
    responsible = PersonField(label=_("who does it"), queryset=User.objects.none())

    def __init__(self, *args: Any, user: User, resident: Resident | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.for_user(user)  # type: ignore[attr-defined]
        self.fields["starts_on"].initial = today_local()
        if resident is not None:
            self.fields["responsible"].queryset = people_covering(resident.household.area)  # type: ignore[attr-defined]


class VisitForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE)
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = today_local()


class EndForm(forms.Form):
    ends_on = forms.DateField(label=_("ends on"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].initial = today_local()
