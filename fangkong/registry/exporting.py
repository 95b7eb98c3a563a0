"""Exports of the register: streamed CSV and constant-memory xlsx, masked unless asked otherwise.

Every export writes an audit event (who, what, how many rows, from where, why) before the first
byte leaves, in the same transaction as the count it reports.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from fangkong.accounts.access import Cap, require
from fangkong.core import exports
from fangkong.core.audit import audit_record
from fangkong.core.masking import mask_id, mask_phone
from fangkong.core.models import AuditAction
from fangkong.registry.importing.fields import CONTACT_PHONE, FIELD_LABELS, MEMBERS
from fangkong.registry.models import Household, Resident

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.areas.models import Area

CHUNK = 2000


@dataclass(frozen=True)
class Column:
    header: str
    value: Any  # callable(obj, full: bool) -> str


def _yes(value: bool) -> str:
    return "是" if value else ""


def _resident_columns() -> list[Column]:
    """The register's columns, titled as the importer reads them back (``FIELD_LABELS``)."""
    f = FIELD_LABELS
    return [
        Column(str(f["name"]), lambda r, full: r.name),
        Column(str(f["id_type"]), lambda r, full: r.get_id_type_display()),
        Column(str(f["id_number"]), lambda r, full: r.id_number if full else mask_id(r.id_number)),
        Column(str(f["sex"]), lambda r, full: r.get_sex_display()),
        Column(
            str(f["birth_date"]), lambda r, full: r.birth_date.isoformat() if r.birth_date else ""
        ),
        Column(str(f["phone"]), lambda r, full: r.phone if full else mask_phone(r.phone)),
        Column(str(f["head_name"]), lambda r, full: r.household.head_name),
        Column(str(f["relationship"]), lambda r, full: r.get_relationship_display()),
        Column(str(f["address"]), lambda r, full: r.household.address),
        Column(str(f["household_number"]), lambda r, full: r.household.number),
        Column(str(f["grid"]), lambda r, full: r.household.area.name),
        Column(str(f["residence_status"]), lambda r, full: r.get_residence_status_display()),
        Column(str(f["low_income"]), lambda r, full: _yes(r.low_income)),
        Column(str(f["elderly_alone"]), lambda r, full: _yes(r.elderly_alone)),
        Column(str(f["chronic_illness"]), lambda r, full: _yes(r.chronic_illness)),
        Column(str(f["pregnant"]), lambda r, full: _yes(r.pregnant)),
        Column(str(f["disabled"]), lambda r, full: _yes(r.disabled)),
        Column(str(f["notes"]), lambda r, full: r.notes),
    ]


def _household_columns() -> list[Column]:
    f = FIELD_LABELS
    return [
        Column(str(f["head_name"]), lambda h, full: h.head_name),
        Column(str(f["address"]), lambda h, full: h.address),
        Column(str(f["household_number"]), lambda h, full: h.number),
        Column(str(f["grid"]), lambda h, full: h.area.name),
        Column(str(CONTACT_PHONE), lambda h, full: h.phone if full else mask_phone(h.phone)),
        Column(str(MEMBERS), lambda h, full: str(h.member_count)),
        Column(str(f["notes"]), lambda h, full: h.notes),
    ]


@dataclass
class Export:
    kind: str
    columns: list[Column]
    queryset: QuerySet[Any]
    full: bool
    rows: int

    def records(self) -> Iterator[list[str]]:
        for obj in self.queryset.iterator(chunk_size=CHUNK):
            yield [str(c.value(obj, self.full) or "") for c in self.columns]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def export_prepare(
    *,
    by: User,
    kind: str,
    area: Area | None = None,
    query: str = "",
    full: bool = False,
    reason: str = "",
    ip: str | None = None,
    fmt: str = "csv",
) -> Export:
    """Check the right to export, build the scoped queryset and write the audit event."""
    if full and not reason.strip():
        raise PermissionDenied
    export = export_build(by=by, kind=kind, area=area, query=query, full=full)
    with transaction.atomic():
        rows = export.queryset.count()
        audit_record(
            user=by,
            action=AuditAction.EXPORT,
            area=area or by.area,
            rows=rows,
            ip=ip,
            field="full" if full else "masked",
            detail=f"{kind}.{fmt}"
            + (f" q={query}" if query else "")
            + (f"; reason: {reason.strip()}" if full else ""),
        )
    return Export(kind=kind, columns=export.columns, queryset=export.queryset, full=full, rows=rows)


def export_build(
    *, by: User, kind: str, area: Area | None = None, query: str = "", full: bool = False
) -> Export:
    """The scoped queryset and columns of an export, rights checked, not audited (``rows`` not
    counted): ``export_prepare`` for the pages, the task worker for a queued export."""
    if kind not in {"residents", "households"}:
        raise ValueError(kind)
    require(by, area, Cap.REGISTER_EXPORT)
    if full and not by.may(Cap.REGISTER_REVEAL):
        raise PermissionDenied
    households = Household.objects.for_user(by)
    if area is not None:
        households = households.in_area(area)
    if query:
        households = households.search(query)
    queryset: QuerySet[Any]
    if kind == "residents":
        queryset = (
            Resident.objects.for_user(by)
            .filter(household__in=households.values("pk"))
            .select_related("household__area")
            .order_by("household__area__path", "household_id", "pk")
        )
        columns = _resident_columns()
    else:
        queryset = (
            households.select_related("area").with_member_count().order_by("area__path", "pk")
        )
        columns = _household_columns()
    return Export(kind=kind, columns=columns, queryset=queryset, full=full, rows=0)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(export: Export) -> Iterator[str]:
    """UTF-8 with BOM so that Excel on Windows opens the Chinese correctly."""
    writer = exports.csv_writer(_Echo())
    yield "\ufeff" + writer.writerow(export.headers)
    for record in export.records():
        yield writer.writerow(record)


def xlsx_file(export: Export, *, title: str) -> tempfile._TemporaryFileWrapper[bytes]:
    """Write the export to a temporary .xlsx in constant memory; the caller streams the file."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned open
    workbook = exports.workbook(handle.name, {"constant_memory": True})
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE"})
    text = workbook.add_format({"num_format": "@"})
    sheet.write_row(0, 0, export.headers, bold)
    sheet.set_column(0, len(export.headers) - 1, 14, text)
    for row, record in enumerate(export.records(), start=1):
        sheet.write_row(row, 0, record)
    sheet.freeze_panes(1, 0)
    workbook.close()
    handle.seek(0)
    return handle
