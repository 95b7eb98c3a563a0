from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
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


class AreaImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "The statistical division codes (统计用区划代码, 名称, optional 城乡分类代码; .csv in "
            "UTF-8 or GBK, .xlsx, .xls) or a grid sheet (村, 网格名称, optional 网格编号, 组/楼栋)."
        ),
    )
    strip_committee = forms.BooleanField(
        label=_("Strip 村委会/居委会 from the names (前进村委会 → 前进村)"), required=False
    )


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=12)


class MoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("Move to"), queryset=Area.objects.none())

    def __init__(self, *args: Any, area: Area, scope: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        assert isinstance(field, forms.ModelChoiceField)
        levels = [lv for lv, kids in CHILD_LEVELS.items() if area.level in kids]
        field.queryset = (
            Area.objects.subtree(scope)
            .current()
            .filter(level__in=levels)
            .exclude(pk=area.parent_id or 0)
            .order_by("path")
        )
        field.label_from_instance = lambda obj: f"{obj.name} · {obj.code}"  # type: ignore[method-assign]


class RetireForm(forms.Form):
    retired_on = forms.DateField(
        label=_("Retired from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
