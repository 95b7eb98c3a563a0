"""The answer to a list from above (协查名单核查情况反馈表): every row in the order and with the
identifiers it came with (row, name, ID number, phone), then what was found (the outcome class as
the level above reads it), on which day, who checked, and remarks. Rows that could not be read
keep their place with the reason; rows still open say so, and whether they are past the list's
deadline.

Every cell is written as text (``write_string``): a name or a remark starting with ``=``, ``+``,
``-`` or ``@`` stays a value, never a formula in the recipient's Excel."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core import exports
from fangkong.core.audit import audit_record
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.screening.models import EntryOutcome, ReconciliationEntry, ReconciliationList

if TYPE_CHECKING:
    from fangkong.accounts.models import User


@dataclass(frozen=True)
class FeedbackRow:
    row: int
    name: str
    id_number: str
    phone: str
    origin: str
    outcome: str
    checked_on: str
    checked_by: str
    remarks: str
    overdue: bool = False


def is_overdue(reconciliation: ReconciliationList, today: dt.date | None = None) -> bool:
    """Past the list's deadline (open entries are then overdue)."""
    today = today or timezone.localdate(timezone.now(), local_tz())
    return reconciliation.deadline is not None and today > reconciliation.deadline


def overdue_entries(reconciliation: ReconciliationList, entries: list[ReconciliationEntry]):  # type: ignore[no-untyped-def]
    """The open entries of ``entries`` once the deadline has passed, in the list's order."""
    if not is_overdue(reconciliation):
        return []
    return sorted((e for e in entries if e.is_open), key=lambda e: e.row)


def feedback_rows(reconciliation: ReconciliationList) -> list[FeedbackRow]:
    """Every row of the list as received, in its order: one query."""
    late = is_overdue(reconciliation)
    rows: list[FeedbackRow] = []
    entries = (
        ReconciliationEntry.objects.filter(county_id=reconciliation.county_id, list=reconciliation)
        .select_related("closed_by")
        .order_by("row")
    )
    for entry in entries:
        checked_on = checked_by = ""
        if entry.closed_at is not None:
            checked_on = timezone.localdate(entry.closed_at, local_tz()).isoformat()
            assert entry.closed_by is not None
            checked_by = entry.closed_by.get_full_name() or entry.closed_by.username
        outcome = str(EntryOutcome(entry.outcome).label) if entry.outcome else _("Not yet checked")
        remarks = entry.note
        if entry.is_open and late:
            remarks = _("Overdue: past the deadline %(day)s.") % {
                "day": reconciliation.deadline.isoformat() if reconciliation.deadline else ""
            }
        rows.append(
            FeedbackRow(
                row=entry.row,
                name=entry.name,
                id_number=entry.id_number,
                phone=entry.phone,
                origin=entry.origin,
                outcome=outcome,
                checked_on=checked_on,
                checked_by=checked_by,
                remarks=remarks,
                overdue=entry.is_open and late,
            )
        )
    unread: dict[int, list[str]] = {}
    for bad in reconciliation.rejected or []:
        reason = f"{bad.get('column', '')}: {bad.get('reason', '')}".strip(": ")
        unread.setdefault(int(bad.get("row", 0)), []).append(reason)
    for number, reasons in unread.items():
        rows.append(
            FeedbackRow(
                row=number,
                name="",
                id_number="",
                phone="",
                origin="",
                outcome=_("Row could not be read"),
                checked_on="",
                checked_by="",
                remarks="; ".join(reasons),
            )
        )
    return sorted(rows, key=lambda r: r.row)


def _headers() -> list[str]:
    return [
        pgettext("feedback sheet", "Row in the list"),
        pgettext("feedback sheet", "Name"),
        pgettext("feedback sheet", "ID number"),
        pgettext("feedback sheet", "Phone"),
        pgettext("feedback sheet", "Came from"),
        pgettext("feedback sheet", "Result"),
        pgettext("feedback sheet", "Checked on"),
        pgettext("feedback sheet", "Checked by"),
        pgettext("feedback sheet", "Remarks"),
    ]


def feedback_xlsx(reconciliation: ReconciliationList, rows: list[FeedbackRow]) -> bytes:
    out = io.BytesIO()
    workbook = exports.workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet(_("Feedback")[:31])
    title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = workbook.add_format(
        {"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True, "align": "center"}
    )
    cell = workbook.add_format({"border": 1})
    overdue = workbook.add_format({"border": 1, "bg_color": "#F8CBAD"})
    headers = _headers()
    width = len(headers)
    today = timezone.localdate(timezone.now(), local_tz())
    sheet.merge_range(
        0,
        0,
        0,
        width - 1,
        _("Feedback on the list %(title)s") % {"title": reconciliation.title},
        title,
    )
    facts = [
        _("From: %(area)s") % {"area": reconciliation.area.full_name},
        _("Received: %(day)s") % {"day": reconciliation.received_on.isoformat()},
        _("Due: %(day)s")
        % {"day": reconciliation.deadline.isoformat() if reconciliation.deadline else "—"},
        _("Sent: %(day)s") % {"day": today.isoformat()},
    ]
    sheet.merge_range(1, 0, 1, width - 1, "    ".join(facts), workbook.add_format({}))
    for column, text in enumerate(headers):
        sheet.write_string(2, column, text, head)
    for index, row in enumerate(rows, start=3):
        style = overdue if row.overdue else cell
        values = [
            str(row.row),
            row.name,
            row.id_number,
            row.phone,
            row.origin,
            row.outcome,
            row.checked_on,
            row.checked_by,
            row.remarks,
        ]
        for column, value in enumerate(values):
            sheet.write_string(index, column, value, style)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2, 21)
    sheet.set_column(3, 3, 13)
    sheet.set_column(4, 7, 12)
    sheet.set_column(8, 8, 30)
    sheet.freeze_panes(3, 2)
    workbook.close()
    return out.getvalue()


@transaction.atomic
def feedback_export(
    *, by: User, reconciliation: ReconciliationList, ip: str | None = None
) -> tuple[bytes, int]:
    """The feedback sheet as .xlsx, audited (full ID numbers leave the system): (body, rows)."""
    rows = feedback_rows(reconciliation)
    body = feedback_xlsx(reconciliation, rows)
    audit_record(
        user=by,
        action=AuditAction.EXPORT,
        area=reconciliation.area,
        obj=reconciliation,
        rows=len(rows),
        ip=ip,
        detail="feedback.xlsx",
    )
    return body, len(rows)
