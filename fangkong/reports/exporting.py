"""The table a township (or county) sends upward: title with area and date, one row per village
(per township for a county), a total row, Chinese headers, late and missing rows marked.

Built from the submitted snapshots; every export writes an audit event with its row count.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import xlsxwriter
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.areas.models import Area, Level
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
    total = [*lead, *(result.reported[f.key] for f in form.figures), ""]
    with transaction.atomic():
        audit_record(
            user=by,
            action=AuditAction.EXPORT,
            area=area,
            rows=len(rows),
            ip=ip,
            detail=f"daily report {day.isoformat()}",
        )
    return ReportTable(
        title=title,
        filename=f"daily-report-{area.code}-{day.isoformat()}",
        headers=headers,
        rows=rows,
        total=total,
        marks=marks,
    )


def csv_bytes(table: ReportTable) -> bytes:
    """UTF-8 with BOM so that Excel on Windows opens the Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([table.title])
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    writer.writerow(table.total)
    return ("\ufeff" + out.getvalue()).encode()


def xlsx_bytes(table: ReportTable) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
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
    sheet.write_row(len(table.rows) + 2, 0, table.total, total)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, width - 1, 11)
    sheet.set_row(1, 45)
    sheet.freeze_panes(2, 1)
    workbook.close()
    return out.getvalue()


def response(table: ReportTable, *, fmt: str) -> HttpResponse:
    if fmt == "csv":
        body, content_type = csv_bytes(table), "text/csv; charset=utf-8"
    else:
        body = xlsx_bytes(table)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    result = HttpResponse(body, content_type=content_type)
    result["Content-Disposition"] = f'attachment; filename="{table.filename}.{fmt}"'
    return result
