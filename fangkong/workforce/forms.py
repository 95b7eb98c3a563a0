from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.workforce.models import Post, ShiftPattern, Worker


class RosterForm(forms.Form):
    post = forms.ModelChoiceField(label=_("Post"), queryset=Post.objects.none())
    pattern = forms.ModelChoiceField(label=_("Shift pattern"), queryset=ShiftPattern.objects.all())
    first_day = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=62, initial=7)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = Post.objects.for_user(user)  # type: ignore[attr-defined]
        self.fields["first_day"].initial = timezone.localdate()


class SwapForm(forms.Form):
    to_worker = forms.ModelChoiceField(
        label=_("Who takes the shift"), queryset=Worker.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_worker"].queryset = Worker.objects.for_user(user).defer("phone")  # type: ignore[attr-defined]


class AdjustForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points (negative to take off)"), min_value=-100, max_value=100
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RuleForm(forms.Form):
    kind = forms.CharField(label=_("Kind of work (key)"), max_length=40)
    label = forms.CharField(label=_("Label"), max_length=100, required=False)
    points = forms.IntegerField(label=_("Points"), min_value=-100, max_value=100)
    active = forms.BooleanField(label=_("In force"), required=False, initial=True)


class PeriodForm(forms.Form):
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    def period(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=29)
        return (start, end) if start <= end else (end, start)
