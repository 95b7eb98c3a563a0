"""``{% idempotency_field %}``: the hidden key that makes a form's second send a no-op."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from fangkong.core.idempotency import _VALID, FIELD, new_key

register = template.Library()


@register.simple_tag(takes_context=True)
def idempotency_field(context: dict[str, Any]) -> SafeString:
    """A fresh key; the same one again when the form comes back with errors (nothing was kept
    under it, and a retry of the corrected form is still one operation)."""
    request = context.get("request")
    posted = request.POST.get(FIELD, "") if request is not None and request.method == "POST" else ""
    key = posted if _VALID.match(posted) else new_key()
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, key)
