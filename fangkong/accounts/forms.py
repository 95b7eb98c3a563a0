"""Choosing people: the field workers who cover an area, shown with their role and area."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.access import FIELD_ROLES
from fangkong.accounts.models import User
from fangkong.areas.models import Area


def people_covering(area: Area) -> QuerySet[User]:
    """Field workers whose area contains ``area`` (its grid, its village, its township …): the
    people work there may be given to (an errand, a care plan, a key place, a hand-out)."""
    return _field_workers(Q(area__path__in=area.lineage_paths()))


def people_around(area: Area) -> QuerySet[User]:
    """Field workers who cover ``area`` or work inside it: whom a user of ``area`` may choose
    before the exact place is known (the service checks the person covers it)."""
    return _field_workers(
        Q(area__path__in=area.lineage_paths()) | Q(area__path__startswith=area.path)
    )


def _field_workers(where: Q) -> QuerySet[User]:
    return (
        User.objects.filter(where, role__in=FIELD_ROLES, is_active=True)
        .select_related("area")
        .order_by("-area__depth", "first_name", "username")
    )


class PersonField(forms.ModelChoiceField):
    """A user shown as 'name · role · area'."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} · {obj.get_role_display()} · {obj.area}"


# --- the county administrator's account pages ---------------------------------------------------


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{'· ' * obj.depth}{obj.name} ({obj.code})"


class AccountForm(forms.Form):
    """Name, phone, role and area of an account; the choices are those the administrator may
    give (roles up to their own, areas of their subtree)."""

    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("Person's name"), max_length=150)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        help_text=_("Shown to the township when the village's report is missing."),
    )
    role = forms.ChoiceField(label=_("Role"))
    area = AreaChoiceField(label=_("Area"), queryset=Area.objects.none())

    def __init__(self, *args: Any, by: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from fangkong.accounts.services import assignable_roles

        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = assignable_roles(by)
        area = self.fields["area"]
        assert isinstance(area, forms.ModelChoiceField)
        assert by.area is not None
        area.queryset = Area.objects.subtree(by.area).current().order_by("path")
        if editing:
            del self.fields["username"]


class AccountImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "Columns: 用户名, 姓名, 手机号 (optional), 角色 (e.g. 村干部), 区域 (code or name)."
        ),
    )
    dry_run = forms.BooleanField(label=_("Only check, create nothing"), required=False)


class CountyForm(forms.Form):
    name = forms.CharField(label=_("County name"), max_length=100)
    code = forms.CharField(
        label=_("County code"),
        max_length=12,
        help_text=_("The 6-digit division code (e.g. 430502) or its 12-digit form."),
    )
    admin_username = forms.CharField(label=_("Administrator's user name"), max_length=150)
    admin_name = forms.CharField(label=_("Administrator's name"), max_length=150)
    admin_phone = forms.CharField(
        label=_("Administrator's mobile phone"), max_length=20, required=False
    )
