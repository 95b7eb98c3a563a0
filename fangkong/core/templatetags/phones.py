"""Tap-to-call (issue 15): ``{% phone_link number %}`` is a ``tel:`` link for a full number shown
to someone allowed to see it, and plain text for a masked one (``138****5678`` is no number)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

_DIALABLE = re.compile(r"^\+?[\d\-\s()]{3,30}$")


@register.filter
def tel_href(number: str) -> str:
    """``0739-555 1234`` → ``tel:07395551234`` (a leading + kept); "" when not dialable."""
    text = (number or "").strip()
    if "*" in text or not _DIALABLE.match(text):
        return ""
    return "tel:" + ("+" if text.startswith("+") else "") + re.sub(r"\D", "", text)


@register.simple_tag
def phone_link(number: object, css: str = "") -> SafeString | str:
    text = str(number or "")
    href = tel_href(text)
    if not href:
        return text
    if css:
        return format_html('<a href="{}" class="{}">{}</a>', href, css, text)
    return format_html('<a href="{}">{}</a>', href, text)
