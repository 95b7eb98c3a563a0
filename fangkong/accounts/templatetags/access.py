"""``{% load access %}`` … ``{% if user|may:"reports.export" %}``: the access table in templates."""

from __future__ import annotations

from typing import Any

from django import template

from fangkong.accounts.access import Cap
from fangkong.accounts.access import may as _may

register = template.Library()


@register.filter
def may(user: Any, capability: str) -> bool:
    return _may(user, Cap(capability))
