"""The table a township (or county) sends upward: title with area and date, one row per village
(per township for a county), a total row, Chinese headers, late and missing rows marked.

Built from the submitted snapshots; every export writes an audit event with its row count.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.areas.models import Area, Level
from fangkong.core import exports
from fangkong.core.audit import audit_record
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.reports import rollup

if TYPE_CHECKING:
    from fangkong.accounts.models import User


@dataclass
class ReportTable:
    title: str
    filename: str
    headers: list[str]
    rows: list[list[object]]
    total: list[object]
    marks: list[str]  # per row: "", "late" or "missing"
    # The lines the county's template asks for under the table (填报单位, 填报人, 审核人, date).
    signature: list[str] | None = None
    # Amendments made after the sheet was taken: one line each (version, time, reason, changes).
    notes: list[str] | None = None


def _cell(value: object) -> object:
    return "" if value is None else value


def report_table(*, by: User, area: Area, day: dt.date, ip: str | None = None) -> ReportTable:
    """Build the table from the roll-up of ``area`` and audit the export."""
    require(by, area, Cap.REPORTS_EXPORT)
    result = rollup.rollup(area, day, live=False)
    form = result.form
    per_township = area.level == Level.COUNTY
    title = _("%(area)s daily report, %(date)s") % {"area": area.name, "date": day.isoformat()}
    headers = [_("Township") if per_township else _("Village / community")]
    if per_township:
        headers += [_("Expected"), _("Submitted"), _("Late"), _("Missing")]
    else:
        headers += [_("Status"), _("Submitted at"), _("Cadre's phone")]
    headers += [f"{f.label}({f.unit})" for f in form.figures]
    headers.append(_("Remarks"))
    rows: list[list[object]] = []
    marks: list[str] = []
    for row in result.rows:
        values = [_cell(row.figures.get(f.key)) for f in form.figures]
        if row.own:
            source = _("From the records now") if row.source == "live" else _("Sent upward")
            own_lead: list[object] = (
                [row.label, "", "", "", ""] if per_township else [row.label, source, "", ""]
            )
            rows.append([*own_lead, *values, ""])
            marks.append("")
            continue
        if per_township:
            line: list[object] = [
                row.area.name,
                row.expected,
                row.submitted,
                row.late,
                row.missing,
                *values,
                "",
            ]
            mark = "missing" if row.missing else "late" if row.late else ""
        else:
            village = row.village
            assert village is not None
            report = village.report
            if report is None:
                status = _("Missing")
            elif report.late:
                status = _("Late")
            else:
                status = _("On time")
            if report is not None and report.is_zero:
                status += "·" + _("Zero report")
            if report is not None and report.version > 1:
                amended = timezone.localtime(report.amended_at or report.submitted_at, local_tz())
                status += "·" + _("amended v%(n)s %(at)s") % {
                    "n": report.version,
                    "at": amended.strftime("%H:%M"),
                }
            submitted = (
                timezone.localtime(report.submitted_at, local_tz()).strftime("%H:%M")
                if report
                else ""
            )
            line = [
                row.area.name,
                status,
                submitted,
                "、".join(village.phones),
                *values,
                report.remarks if report else "",
            ]
            mark = village.status if village.status != "on_time" else ""
        rows.append(line)
        marks.append(mark)
    lead = (
        [_("Total"), result.expected, result.submitted, len(result.late), len(result.missing)]
        if per_township
        else [
            _("Total"),
            _("%(submitted)s of %(expected)s submitted")
            % {"submitted": result.submitted, "expected": result.expected},
            "",
            "",
        ]
    )
    total: list[object] = [*lead, *(result.reported[f.key] for f in form.figures), ""]
    with transaction.atomic():
        audit_record(
            user=by,
            action=AuditAction.EXPORT,
            area=area,
            rows=len(rows),
            ip=ip,
            detail=f"daily report {day.isoformat()}",
        )
    sheet = result.sheet
    signer = by.get_full_name() or by.username
    sent_by = sheet.submitted_by if sheet else None
    signature = [
        _("Reporting unit: %(area)s") % {"area": area.name},
        _("Filled in by: %(name)s")
        % {"name": (sent_by.get_full_name() or sent_by.username) if sent_by else signer},
        _("Reviewed by: %(name)s") % {"name": ""},
        _("Date: %(date)s")
        % {"date": timezone.localtime(timezone.now(), local_tz()).strftime("%Y-%m-%d %H:%M")},
    ]
    notes = [
        _("%(area)s amended v%(n)s at %(at)s, reason: %(reason)s; %(changes)s")
        % {
            "area": a.area.name,
            "n": a.version.number,
            "at": timezone.localtime(a.version.at, local_tz()).strftime("%m-%d %H:%M"),
            "reason": a.version.reason,
            "changes": "；".join(f"{c.figure.label} {c.before}→{c.after}" for c in a.changes)
            or _("no figure changed"),
        }
        for a in result.amendments
    ]
    return ReportTable(
        title=title,
        filename=_("%(area)s daily report %(date)s") % {"area": area.name, "date": day.isoformat()},
        headers=headers,
        rows=rows,
        total=total,
        marks=marks,
        signature=signature,
        notes=notes,
    )


def csv_bytes(table: ReportTable) -> bytes:
    """UTF-8 with BOM so that Excel on Windows opens the Chinese correctly."""
    out = io.StringIO()
    writer = exports.csv_writer(out)
    writer.writerow([table.title])
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    writer.writerow(table.total)
    for line in table.notes or []:
        writer.writerow([line])
    if table.signature:
        writer.writerow(table.signature)
    return ("\ufeff" + out.getvalue()).encode()


def xlsx_bytes(table: ReportTable) -> bytes:
    out = io.BytesIO()
    workbook = exports.workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet(_("Daily report")[:31])
    title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = workbook.add_format(
        {"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True, "align": "center"}
    )
    cell = workbook.add_format({"border": 1})
    late = workbook.add_format({"border": 1, "bg_color": "#FFF2CC"})
    missing = workbook.add_format({"border": 1, "bg_color": "#F8CBAD"})
    total = workbook.add_format({"border": 1, "bold": True})
    width = len(table.headers)
    sheet.merge_range(0, 0, 0, width - 1, table.title, title)
    sheet.write_row(1, 0, table.headers, head)
    formats = {"late": late, "missing": missing}
    for index, (row, mark) in enumerate(zip(table.rows, table.marks, strict=True), start=2):
        sheet.write_row(index, 0, row, formats.get(mark, cell))
    last = len(table.rows) + 2
    sheet.write_row(last, 0, table.total, total)
    note = workbook.add_format({"text_wrap": False, "font_color": "#9C0006"})
    for line in table.notes or []:
        last += 1
        sheet.write(last, 0, line, note)
    if table.signature:
        last += 2
        step = max(1, width // len(table.signature))
        for index, line in enumerate(table.signature):
            sheet.write(last, min(index * step, width - 1), line)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, width - 1, 11)
    sheet.set_row(1, 60)
    sheet.freeze_panes(2, 1)
    # Page setup: A4 landscape, all columns on the width of a page, the title and header rows
    # repeated on every printed page.
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, 1)
    sheet.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.5)
    sheet.set_footer("&C&P / &N")
    workbook.close()
    return out.getvalue()


def response(table: ReportTable, *, fmt: str) -> HttpResponse:
    if fmt == "csv":
        body, content_type = csv_bytes(table), "text/csv; charset=utf-8"
    else:
        body = xlsx_bytes(table)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    result = HttpResponse(body, content_type=content_type)
    # A Chinese file name (RFC 6266 filename*), as the county's sheets are named.
    result["Content-Disposition"] = content_disposition_header(True, f"{table.filename}.{fmt}")
    return result
