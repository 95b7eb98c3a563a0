from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import CHILD_LEVELS, Area, Level


class AreaCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("12-digit division code for townships and villages; e.g. 01 for a grid."),
    )

    def __init__(self, *args: Any, parent: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = CHILD_LEVELS[parent.level]
        field = self.fields["level"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(v, label) for v, label in Level.choices if v in allowed]
