"""The tenant key: every large table carries ``county``, set from the record it belongs to.

A province runs on Citus, PostgreSQL distributed by county, so each row names its county and its
queries stay inside one. A model declares where its county comes from (``county_source``: the
area, the household, the case ...) and ``CountyScoped.save`` sets the key from there on every save,
so no code path can write a row whose county disagrees with its source's. Bulk writes
(``bulk_create``, ``update``) bypass ``save``: they set ``county_id`` from the same source
themselves, and ``county_mismatches`` (the invariant the tests check after the demo and after a
county move) finds any row that does not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.apps import apps
from django.db import models


class CountyScoped(models.Model):
    """A row of one county; ``county_source`` names the foreign key that decides which."""

    county_source: ClassVar[str] = "area"
    county = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.county_id = getattr(self, self.county_source).county_id
        super().save(*args, **kwargs)


def county_scoped_models() -> list[type[CountyScoped]]:
    return [m for m in apps.get_models() if issubclass(m, CountyScoped)]


def county_mismatches(model: type[CountyScoped]) -> models.QuerySet[Any]:
    """Rows of ``model`` whose county is not their source's (should always be empty)."""
    return model._default_manager.exclude(county_id=models.F(f"{model.county_source}__county_id"))
