"""A text field that is encrypted at rest (AES-GCM); Python code sees the plain value."""

from __future__ import annotations

from typing import Any

from django.db import models

from fangkong.core import crypto


class EncryptedTextField(models.TextField):
    """Stores ``crypto.encrypt(value)``; never filter on it — use the model's blind index."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        if not value:
            return ""
        return crypto.encrypt(str(value))
