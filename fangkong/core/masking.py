"""Masking of personal values for lists, exports and public pages: enough to recognise a
person one knows, not enough to use the number (个人信息保护法). The full value is shown only by an
audited reveal."""

from __future__ import annotations


def mask_id(number: str) -> str:
    if not number:
        return ""
    if len(number) <= 8:
        return number[:1] + "*" * (len(number) - 1)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str) -> str:
    if not number:
        return ""
    if "-" in number:
        area, local = number.split("-", 1)
        return f"{area}-{'*' * max(len(local) - 4, 0)}{local[-4:]}"
    return number[:3] + "****" + number[-4:]


def first_name(name: str) -> str:
    """The given name only (王小明 → 小明): nothing on a public page identifies the person."""
    return name[1:] if len(name) >= 2 else name
