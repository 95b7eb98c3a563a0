"""Writes of the daily report: submit (freeze a snapshot) and amend (a new version, with a reason).

The figures are computed from the records at the moment of the write and frozen; later records
never change a submitted version. The web page, the API and the demo call these same functions.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.accounts.models import User
from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record
from fangkong.core.clock import local_tz
from fangkong.core.models import AuditAction
from fangkong.reports import figures
from fangkong.reports.models import DailyReport, ReportDeadline, ReportVersion

REMARKS_MAX = 2000


def deadline_of(area: Area, day: dt.date) -> dt.datetime:
    """The moment (aware, Asia/Shanghai) by which the area's report for ``day`` is due."""
    at = ReportDeadline.objects.for_county(area.county_id)
    return dt.datetime.combine(day, at, tzinfo=local_tz())


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
    values = figures.compute(area, day, form)
    zero = figures.is_zero(values, form)
    try:
        with transaction.atomic():
            report = DailyReport(
                area=area,
                date=day,
                form=form.key,
                figures=values,
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
    with transaction.atomic():
        locked = (
            DailyReport.objects.select_for_update(of=("self",))
            .select_related("area")
            .get(pk=report.pk)
        )
        form = figures.form_for(locked.county_id)
        values = figures.compute(locked.area, locked.date, form)
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
