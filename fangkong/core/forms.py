"""Form helpers shared by every app: a service's ValidationError lands on the form's fields;
the day chosen on a page of figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fangkong.core.clock import today_local

# Dates a page of figures accepts: anything else falls back to today (and trends stay computable).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


def apply_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's errors on the fields they name (or on the form as a whole)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def perform[T](request: HttpRequest, action: Callable[[], T]) -> T | None:
    """A write from a button (no form to show errors on): the service's refusal becomes an error
    message. Returns what the service returned, or None when it refused."""
    try:
        return action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None


def submit[T](
    request: HttpRequest, form: BaseForm, action: Callable[[Mapping[str, Any]], T]
) -> T | None:
    """On a POST with valid shape, call the service with the cleaned data.

    Returns what the service returned, or None when nothing was written (not a POST, a shape
    error, or the service refused with a ValidationError, which is then shown on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return None


class DayForm(forms.Form):
    """``?date=YYYY-MM-DD`` on a page or API of figures; a missing or bad date is today."""

    date = forms.DateField(label=_("date"), required=False)

    def clean_date(self) -> dt.date | None:
        day = self.cleaned_data.get("date")
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(_("Enter a date between 2000 and 2099."))
        return day

    def day(self, default: dt.date | None = None) -> dt.date:
        if self.is_valid() and self.cleaned_data.get("date"):
            return self.cleaned_data["date"]
        return default if default is not None else today_local()
