"""Choosing people: the field workers who cover an area, shown with their role and area."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

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
