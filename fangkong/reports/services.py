"""Writes of the daily report: submit (freeze a snapshot) and amend (a new version, with a reason).

The figures are computed from the records at the moment of the write and frozen; later records
never change a submitted version. The web page, the API and the demo call these same functions.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, may, require, roles_with
from fangkong.accounts.models import User
from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.reports import figures, rollup
from fangkong.reports.models import (
    DailyReport,
    Reminder,
    ReportDeadline,
    ReportVersion,
    SheetReport,
    SheetVersion,
)

REMARKS_MAX = 2000


def deadline_of(area: Area, day: dt.date) -> dt.datetime:
    """The moment (aware, Asia/Shanghai) by which the area's report for ``day`` is due."""
    at = ReportDeadline.objects.for_county(area.county_id)
    return dt.datetime.combine(day, at, tzinfo=local_tz())


def report_window(area: Area, day: dt.date, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The report day a village's report covers: from where its previous report ended (or the
    county's cut-off the day before) to the cut-off — or to now, when it reports before the
    cut-off, so that what happens in between is in the next report, never in none."""
    start, end = figures.report_day(area, day)
    previous = (
        DailyReport.objects.filter(county_id=area.county_id, area=area, date__lt=day)
        .exclude(window_end__isnull=True)
        .order_by("-date")
        .values_list("window_end", flat=True)
        .first()
    )
    if previous is not None:
        start = previous
    end = max(start, min(end, at))
    return start, end


def _check(*, by: User, area: Area, day: dt.date, at: dt.datetime) -> None:
    require(by, area, Cap.REPORTS_WRITE)
    if area.level != Level.VILLAGE:
        raise ValidationError({"area": _("Only a village or community submits a daily report.")})
    if day > timezone.localdate(at, local_tz()):
        raise ValidationError({"date": _("A report cannot be submitted for a future date.")})


def report_submit(
    *,
    by: User,
    area: Area,
    day: dt.date,
    remarks: str = "",
    at: dt.datetime | None = None,
    ip: str | None = None,
) -> DailyReport:
    """Freeze the village's figures for ``day`` as computed from the records now."""
    at = at or timezone.now()
    remarks = remarks.strip()[:REMARKS_MAX]
    _check(by=by, area=area, day=day, at=at)
    form = figures.form_for(area.county_id)
    window = report_window(area, day, at)
    values = figures.compute(area, day, form, window=window)
    zero = figures.is_zero(values, form)
    try:
        with transaction.atomic():
            report = DailyReport(
                area=area,
                date=day,
                form=form.key,
                figures=values,
                window_start=window[0],
                window_end=window[1],
                remarks=remarks,
                is_zero=zero,
                submitted_by=by,
                submitted_at=at,
                late=at > deadline_of(area, day),
                version=1,
            )
            report.save()
            ReportVersion.objects.create(
                county_id=report.county_id,
                report=report,
                number=1,
                figures=values,
                remarks=remarks,
                is_zero=zero,
                by=by,
                at=at,
            )
            audit_record(
                user=by,
                action=AuditAction.CREATE,
                area=area,
                obj=report,
                ip=ip,
                detail=f"daily report {day.isoformat()}" + (" (zero)" if zero else ""),
            )
    except IntegrityError as error:
        raise ValidationError(
            _("The report of %(area)s for %(date)s is already submitted: amend it instead.")
            % {"area": area.name, "date": day.isoformat()}
        ) from error
    return report


def report_amend(
    *,
    by: User,
    report: DailyReport,
    reason: str,
    remarks: str | None = None,
    at: dt.datetime | None = None,
    ip: str | None = None,
) -> DailyReport:
    """A correction after submission: the figures are computed again from the (corrected)
    records and frozen as a new version; every earlier version is kept as it was."""
    at = at or timezone.now()
    reason = reason.strip()
    require(by, report.area, Cap.REPORTS_WRITE)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the amendment.")})
    alone_until = dt.datetime.combine(
        report.date,
        ReportDeadline.objects.due_times(report.county_id)["amend_alone"],
        tzinfo=local_tz(),
    )
    if by.area_id == report.area_id and at > alone_until:  # the village itself
        raise ValidationError(
            _(
                "Villages amend alone until %(time)s of the report's day; after that the "
                "township amends it (ask the township officer)."
            )
            % {"time": alone_until.strftime("%m-%d %H:%M")}
        )
    with transaction.atomic():
        locked = (
            DailyReport.objects.select_for_update(of=("self",))
            .select_related("area")
            .get(pk=report.pk)
        )
        form = figures.form_for(locked.county_id)
        window = None
        if locked.window_start and locked.window_end:
            window = (locked.window_start, locked.window_end)
        values = figures.compute(locked.area, locked.date, form, window=window)
        zero = figures.is_zero(values, form)
        locked.version += 1
        locked.figures = values
        locked.is_zero = zero
        if remarks is not None:
            locked.remarks = remarks.strip()[:REMARKS_MAX]
        locked.amended_at = at
        locked.save()
        ReportVersion.objects.create(
            county_id=locked.county_id,
            report=locked,
            number=locked.version,
            figures=values,
            remarks=locked.remarks,
            reason=reason[:500],
            is_zero=zero,
            by=by,
            at=at,
        )
        audit_record(
            user=by,
            action=AuditAction.UPDATE,
            area=locked.area,
            obj=locked,
            ip=ip,
            detail=f"daily report {locked.date.isoformat()} v{locked.version}: {reason}",
        )
    return locked


# --- the sheet a township (county) sends upward ---------------------------------------------

SHEET_LEVELS = {Level.TOWNSHIP, Level.COUNTY}


def can_send_sheet(user: User, area: Area) -> bool:
    """Who reports for the area (``reports.write`` at or above it) sends its sheet."""
    return area.level in SHEET_LEVELS and may(user, Cap.REPORTS_WRITE, area)


def _sheet_rows(result: rollup.Rollup) -> list[dict]:
    rows = []
    for row in result.rows:
        if row.village is not None:
            report = row.village.report
            status, version = row.village.status, report.version if report else 0
        elif row.own:
            status, version = "own", 0
        else:
            status, version = row.sheet_status, row.sheet.version if row.sheet else 0
        rows.append(
            {
                "area": row.area.pk,
                "name": row.label,
                "own": row.own,
                "status": status,
                "version": version,
                "figures": row.figures,
            }
        )
    return rows


def _sheet_check(*, by: User, area: Area, day: dt.date, at: dt.datetime) -> None:
    if area.level not in SHEET_LEVELS:
        raise ValidationError({"area": _("Only a township or a county sends a sheet upward.")})
    if not can_send_sheet(by, area):
        raise PermissionDenied
    if day > timezone.localdate(at, local_tz()):
        raise ValidationError({"date": _("A report cannot be submitted for a future date.")})


def sheet_submit(
    *,
    by: User,
    area: Area,
    day: dt.date,
    remarks: str = "",
    at: dt.datetime | None = None,
    ip: str | None = None,
) -> SheetReport:
    """Freeze the township's (county's) sheet for ``day`` as it stands: each village's latest
    report (each township's sheet), its own row from the records now, and their total."""
    at = at or timezone.now()
    _sheet_check(by=by, area=area, day=day, at=at)
    result = rollup.rollup(area, day, live=False)
    due = result.sheet_due
    try:
        with transaction.atomic():
            sheet = SheetReport(
                area=area,
                date=day,
                figures=result.reported,
                rows=_sheet_rows(result),
                remarks=remarks.strip()[:REMARKS_MAX],
                submitted_by=by,
                submitted_at=at,
                late=at > due,
            )
            sheet.save()
            SheetVersion.objects.create(
                county_id=sheet.county_id,
                sheet=sheet,
                number=1,
                figures=sheet.figures,
                rows=sheet.rows,
                by=by,
                at=at,
            )
            audit_record(
                user=by,
                action=AuditAction.CREATE,
                area=area,
                obj=sheet,
                ip=ip,
                detail=f"sheet sent upward {day.isoformat()}",
            )
    except IntegrityError as error:
        raise ValidationError(
            _("The sheet of %(area)s for %(date)s is already sent: amend it instead.")
            % {"area": area.name, "date": day.isoformat()}
        ) from error
    return sheet


def sheet_amend(
    *,
    by: User,
    sheet: SheetReport,
    reason: str,
    at: dt.datetime | None = None,
    ip: str | None = None,
) -> SheetReport:
    """The sheet again as it stands now (villages' amendments, the own row's corrections), as
    a new version with the reason; the earlier versions are kept."""
    at = at or timezone.now()
    reason = reason.strip()
    if not can_send_sheet(by, sheet.area):
        raise PermissionDenied
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the amendment.")})
    result = rollup.rollup(sheet.area, sheet.date, live=False)
    with transaction.atomic():
        locked = (
            SheetReport.objects.select_for_update(of=("self",))
            .select_related("area")
            .get(pk=sheet.pk)
        )
        locked.version += 1
        locked.figures = result.reported
        locked.rows = _sheet_rows(result)
        locked.amended_at = at
        locked.save()
        SheetVersion.objects.create(
            county_id=locked.county_id,
            sheet=locked,
            number=locked.version,
            figures=locked.figures,
            rows=locked.rows,
            reason=reason[:500],
            by=by,
            at=at,
        )
        audit_record(
            user=by,
            action=AuditAction.UPDATE,
            area=locked.area,
            obj=locked,
            ip=ip,
            detail=f"sheet {locked.date.isoformat()} v{locked.version}: {reason}",
        )
    return locked


def amendment_acknowledge(
    *,
    by: User,
    version: ReportVersion | SheetVersion,
    at: dt.datetime | None = None,
    ip: str | None = None,
) -> None:
    """The level above has seen an amendment made after it took its sheet."""
    owner = version.sheet.area if isinstance(version, SheetVersion) else version.report.area
    above = owner.parent
    if above is None or not can_send_sheet(by, above):
        raise PermissionDenied
    if version.acknowledged_at is not None:
        return
    version.acknowledged_by = by
    version.acknowledged_at = at or timezone.now()
    with transaction.atomic():
        version.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_record(
            user=by,
            action=AuditAction.UPDATE,
            area=owner,
            obj=version,
            ip=ip,
            detail=f"amendment acknowledged v{version.number}",
        )


# --- reminders (催报) ---------------------------------------------------------------------------

REMINDER_PAUSE = dt.timedelta(minutes=10)


def reminder_send(
    *, by: User, village: Area, day: dt.date, at: dt.datetime | None = None, ip: str | None = None
) -> int:
    """A notice in the app to every active account of a village whose report of ``day`` is
    missing; returns how many were sent. Once per village every ten minutes."""
    at = at or timezone.now()
    if village.level != Level.VILLAGE:
        raise ValidationError({"area": _("Only a village or community submits a daily report.")})
    if village.parent is None or not can_send_sheet(by, village.parent):
        raise PermissionDenied  # the township above it (or the county)
    if DailyReport.objects.filter(county_id=village.county_id, area=village, date=day).exists():
        raise ValidationError(_("%(area)s has already reported.") % {"area": village.name})
    recent = Reminder.objects.filter(
        county_id=village.county_id, area=village, date=day, sent_at__gt=at - REMINDER_PAUSE
    )
    if recent.exists():
        raise ValidationError(
            _("%(area)s was reminded less than ten minutes ago.") % {"area": village.name}
        )
    recipients = list(
        User.objects.filter(
            area=village, is_active=True, role__in=roles_with(Cap.REPORTS_WRITE)
        ).order_by("pk")
    )
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [
                Reminder(  # bulk_create skips save(): the tenant key is set here
                    county_id=village.county_id,  # type: ignore[misc]  # a village has one
                    area=village,
                    date=day,
                    recipient=user,
                    sent_by=by,
                    sent_at=at,
                )
                for user in recipients
            ]
        )
        audit_record(
            user=by,
            action=AuditAction.CREATE,
            area=village,
            rows=len(recipients),
            ip=ip,
            detail=f"report reminder {day.isoformat()}",
        )
    return len(recipients)


REMINDER_LEAD = dt.timedelta(hours=1)


def reminders_send_due(*, at: dt.datetime | None = None) -> int:
    """The task worker's automatic 催报: in the hour before a county's deadline, every village
    with no report of the day (and no reminder of it yet) gets a reminder, sent in the name of
    the county's first active officer who may send it; returns how many were sent."""
    at = at or timezone.now()
    local = timezone.localtime(at, local_tz())
    day = local.date()
    sent = 0
    for county in Area.objects.filter(level=Level.COUNTY):
        deadline = dt.datetime.combine(
            day, ReportDeadline.objects.for_county(county.pk), local_tz()
        )
        if not deadline - REMINDER_LEAD <= local < deadline:
            continue
        sender = next(
            (
                u
                for u in User.objects.filter(
                    area=county, is_active=True, role__in=roles_with(Cap.REPORTS_WRITE)
                ).order_by("pk")
            ),
            None,
        )
        if sender is None:
            continue
        reported = DailyReport.objects.filter(county_id=county.pk, date=day).values("area_id")
        reminded = Reminder.objects.filter(county_id=county.pk, date=day).values("area_id")
        villages = (
            Area.objects.filter(county_id=county.pk, level=Level.VILLAGE)
            .exclude(pk__in=reported)
            .exclude(pk__in=reminded)
            .select_related("parent")
            .order_by("path")
        )
        for village in villages:
            try:
                sent += reminder_send(by=sender, village=village, day=day, at=at)
            except (PermissionDenied, ValidationError):
                continue
    return sent
