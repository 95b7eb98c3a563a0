"""Forms check the shape of what is typed; the services check what it means."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.monitoring.models import Category
from fangkong.registry.forms import AreaChoiceField
from fangkong.registry.models import ResidenceStatus, Resident
from fangkong.screening.models import EntryOutcome, RiskArea, VisitMethod
from fangkong.screening.services import ROUND_AREA_LEVELS, PersonEntry

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RiskAreaForm(forms.ModelForm):
    class Meta:
        model = RiskArea
        fields = ["name", "level", "code", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}


class RoundForm(forms.Form):
    area = AreaChoiceField(queryset=Area.objects.none(), label=_("Area"))
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "春节返乡人员全面排查"}),
    )
    started_on = forms.DateField(label=_("Start date"), widget=DATE)
    ended_on = forms.DateField(label=_("End date"), required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Area.objects.for_user(user).filter(level__in=ROUND_AREA_LEVELS)
        self.fields["started_on"].initial = timezone.localdate()


class RoundCloseForm(forms.Form):
    ended_on = forms.DateField(label=_("End date"), widget=DATE)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Date"), widget=DATE)
    method = forms.ChoiceField(
        label=_("How"),
        choices=VisitMethod.choices,
        initial=VisitMethod.DOOR,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()


class PersonForm(forms.Form):
    """One person at the visit. For a resident the name comes from the register; a visitor's
    row is used only when a name is typed."""

    at_home = forms.BooleanField(label=_("At home"), required=False)
    name = forms.CharField(label=_("Visitor's name"), required=False, max_length=50)
    travel_from = forms.CharField(
        label=_("Came from"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 湖北武汉")}),
    )
    returned_on = forms.DateField(label=_("Date back"), required=False, widget=DATE)
    route = forms.CharField(
        label=_("Route"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 武汉-长沙-邵阳, train G1234")}),
    )
    fever = forms.BooleanField(label=_("Fever"), required=False)
    cough = forms.BooleanField(label=_("Cough"), required=False)
    fatigue = forms.BooleanField(label=_("Fatigue"), required=False)
    other_symptoms = forms.CharField(label=_("Other symptoms"), required=False, max_length=200)
    contact_with_case = forms.BooleanField(
        label=_("Contact with a confirmed or suspected case"), required=False
    )

    def __init__(self, *args: Any, resident: Resident | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resident = resident
        if resident is not None:
            del self.fields["name"]
            self.initial.setdefault("at_home", resident.residence_status != ResidenceStatus.AWAY)

    @property
    def has_details(self) -> bool:
        """Open the travel and symptoms section when something is in it (or wrong in it)."""
        if self.errors:
            return True
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        keys = (
            "travel_from",
            "returned_on",
            "route",
            "fever",
            "cough",
            "fatigue",
            "other_symptoms",
        )
        return any(data.get(k) for k in (*keys, "contact_with_case"))

    def entry(self) -> PersonEntry | None:
        """The person to record, or None for an empty visitor row."""
        data = dict(self.cleaned_data)
        if self.resident is None and not data.get("name", "").strip():
            return None
        return PersonEntry.from_data({**data, "resident": self.resident})


def person_forms(
    residents: list[Resident], data: Any = None, visitors: int = 2
) -> list[PersonForm]:
    forms_ = [PersonForm(data, resident=r, prefix=f"r{r.pk}") for r in residents]
    forms_ += [PersonForm(data, prefix=f"v{n}", initial={"at_home": True}) for n in range(visitors)]
    return forms_


class ListUploadForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 市指挥部协查名单（第3批）")}),
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    file = forms.FileField(label=_("List (.xlsx, .xls or .csv)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class ListDeadlineForm(forms.Form):
    deadline = forms.DateField(
        label=_("results due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When the level above wants them; empty: no deadline."),
    )


class EntryCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What was found"), choices=EntryOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    propose_case = forms.BooleanField(
        label=_("Propose an observation case (home observation)"), required=False
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[
            (Category.RETURNEE, Category.RETURNEE.label),
            (Category.CLOSE_CONTACT, Category.CLOSE_CONTACT.label),
            (Category.SECONDARY_CONTACT, Category.SECONDARY_CONTACT.label),
            (Category.OTHER, Category.OTHER.label),
        ],
        initial=Category.RETURNEE,
    )
