"""Natural house-number order: 1组2号 before 1组10号, in every list of households (issue 15).

One key (``natural_key``) for everything sorted in Python, and one wrapper (``in_house_order``) for
the paginated lists: it sorts the ids of up to ``NATURAL_LIMIT`` rows by area and address (numbers
compared as numbers) and loads only the page's rows, so a village's or a township's register is in
natural order; a list larger than that (a county's whole register) keeps the database's order of
the same columns, since no portable SQL compares the numbers inside an address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any, overload

from django.db.models import Model, QuerySet

NATURAL_LIMIT = 20_000
_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str | None) -> tuple[Any, ...]:
    """``"1组10号"`` → ``("", 1, "组", 10, "号")``: numbers compare as numbers, text as text.

    Parts alternate text, number, text, … so two keys never compare an int with a str.
    """
    parts = _NUMBER.split(text or "")
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts))


def household_key(household: Any) -> tuple[Any, ...]:
    """Where a household sorts: its area (tree order), then its address, naturally."""
    area = getattr(household, "area", None)
    return (getattr(area, "path", ""), natural_key(household.address), household.pk)


class _NaturalPage(Sequence[Any]):
    """A queryset in natural order of ``area__path`` + an address field, sliced lazily."""

    def __init__(self, queryset: QuerySet[Any], address: str, area: str) -> None:
        self.queryset = queryset
        rows = queryset.order_by().values_list("pk", area, address)
        rows_sorted = sorted(rows, key=lambda r: (r[1] or "", natural_key(r[2]), r[0]))
        self.ids = [r[0] for r in rows_sorted]

    def __len__(self) -> int:
        return len(self.ids)

    def count(self, value: Any = None) -> int:  # type: ignore[override]  # Paginator's count()
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        ids = self.ids[index]
        found = self.queryset.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def __iter__(self) -> Iterator[Any]:
        return iter(self[:])


def in_house_order(
    queryset: QuerySet[Any],
    *,
    address: str = "address",
    area: str = "area__path",
    limit: int = NATURAL_LIMIT,
) -> Sequence[Any] | QuerySet[Any]:
    """The households of ``queryset`` in natural house-number order, ready for ``paginate``;
    for rows about a household, ``address`` and ``area`` name its fields
    (``"household__address"``, ``"household__area__path"``)."""
    if queryset.order_by().count() > limit:
        return queryset.order_by(area, address, "pk")
    return _NaturalPage(queryset, address, area)


def sorted_households[T: Model](items: list[T], *, household: str | None = None) -> list[T]:
    """A list already in memory, in natural house-number order; ``household`` names the attribute
    holding the household when the items are rows about one (``"household"``, or dotted:
    ``"resident.household"``)."""
    if household is None:
        return sorted(items, key=household_key)
    get = attrgetter(household)
    return sorted(items, key=lambda item: household_key(get(item)))
