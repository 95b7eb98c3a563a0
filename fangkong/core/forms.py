"""Form helpers shared by every app: a service's ValidationError lands on the form's fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest


def apply_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's errors on the fields they name (or on the form as a whole)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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
