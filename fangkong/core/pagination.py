from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZES = (20, 50, 100)


def paginate(
    request: HttpRequest, queryset: QuerySet | Sequence[Any], default_size: int = 20
) -> Page:
    try:
        size = int(request.GET.get("size", default_size))
    except ValueError:
        size = default_size
    if size not in PAGE_SIZES:
        size = default_size
    return Paginator(queryset, size).get_page(request.GET.get("page"))
