"""Daily reports (日报): one per village per date, frozen when submitted, amended with a reason.

``DailyReport`` holds the latest version (what roll-ups read, one row per village and date);
``ReportVersion`` keeps every version, the first submission and each amendment, unchanged. Both
carry ``county``, the tenant key, set from the village on write.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.scoping import AreaScopedQuerySet
from fangkong.core.tenancy import CountyScoped

if TYPE_CHECKING:
    pass

DEFAULT_DEADLINE = dt.time(16, 0)
DEFAULT_CUTOFF = dt.time(16, 0)
DEFAULT_TOWNSHIP_DEADLINE = dt.time(17, 0)
DEFAULT_COUNTY_DEADLINE = dt.time(18, 0)


# Field defaults are these functions, not the fixed times: Django's system check
# (fields.W161) warns about a fixed time default whenever it runs within 10
# seconds of that time of day, which failed `check --deploy` at 16:00 UTC.
def default_deadline() -> dt.time:
    """The villages' sheet deadline by default: 16:00 (local time)."""
    return DEFAULT_DEADLINE


def default_cutoff() -> dt.time:
    """The report day's cut-off by default: 16:00 (local time)."""
    return DEFAULT_CUTOFF


def default_township_deadline() -> dt.time:
    """The townships' deadline by default: 17:00 (local time)."""
    return DEFAULT_TOWNSHIP_DEADLINE


def default_county_deadline() -> dt.time:
    """The county's upward deadline by default: 18:00 (local time)."""
    return DEFAULT_COUNTY_DEADLINE


class ReportDeadlineQuerySet(models.QuerySet["ReportDeadline"]):
    def for_county(self, county_id: int | None) -> dt.time:
        """The county's deadline for the villages' daily reports (16:00 unless set)."""
        found = self.filter(county_id=county_id).values_list("deadline", flat=True).first()
        return found or DEFAULT_DEADLINE

    def cutoff(self, county_id: int | None) -> dt.time:
        """The county's report day cut-off (截至下午4时): a report's events are those since the
        previous cut-off."""
        found = self.filter(county_id=county_id).values_list("cutoff", flat=True).first()
        return found or DEFAULT_CUTOFF

    def due_times(self, county_id: int | None) -> dict[str, dt.time]:
        """When each level's report is due that day: villages report to the township, the
        township sends its sheet to the county, the county sends upward."""
        found = self.filter(county_id=county_id).first() or ReportDeadline()
        return {
            "village": found.deadline,
            "township": found.township_deadline,
            "county": found.county_deadline,
            "amend_alone": found.amend_alone_until or found.township_deadline,
            "cutoff": found.cutoff,
        }


class ReportDeadline(models.Model):
    """The time of day (Asia/Shanghai) by which every village of the county reports."""

    county = models.OneToOneField(
        Area,
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    deadline = models.TimeField(
        _("villages report by"),
        default=default_deadline,
        help_text=_("A village report submitted after this time is marked late."),
    )
    township_deadline = models.TimeField(
        _("townships send their sheet by"), default=default_township_deadline
    )
    county_deadline = models.TimeField(
        _("the county reports upward by"), default=default_county_deadline
    )
    amend_alone_until = models.TimeField(
        _("villages may amend alone until"),
        null=True,
        blank=True,
        help_text=_(
            "After this time of the report's day a village's amendment is made by the township "
            "(empty: until the townships' deadline)."
        ),
    )
    cutoff = models.TimeField(
        _("report day ends at"),
        default=default_cutoff,
        help_text=_(
            "Figures of the day (new cases, alerts) count what happened since this time the day "
            "before (截至下午4时)."
        ),
    )

    objects = ReportDeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("report deadline")
        verbose_name_plural = _("report deadlines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__lte=models.F("township_deadline"))
                & models.Q(township_deadline__lte=models.F("county_deadline")),
                name="report_deadlines_in_order",
                violation_error_message=_(
                    "Villages report first, then townships, then the county: the times must be "
                    "in that order."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.deadline:%H:%M}"


class CountyReportForm(models.Model):
    """A county's choice of figures for its village daily report (the code's standard form when
    there is none). Figures keep the registry's order; a percentage brings the figures it is
    computed from."""

    county = models.OneToOneField(
        Area,
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    figure_keys = models.JSONField(_("figures"), default=list)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("county report form")
        verbose_name_plural = _("county report forms")

    def __str__(self) -> str:
        return f"{self.county} ({len(self.figure_keys)})"


class DailyReportQuerySet(AreaScopedQuerySet["DailyReport"]):
    def in_area(self, area: Area) -> Self:
        return self.under(area, "area__path")


class DailyReport(CountyScoped):
    """A village's report for a date: the latest version's figures, as frozen when it was made."""

    county_source = "area"

    area = models.ForeignKey(
        Area, verbose_name=_("village"), on_delete=models.PROTECT, related_name="daily_reports"
    )
    date = models.DateField(_("date"))
    form = models.CharField(_("form"), max_length=40, default="village_daily")
    figures = models.JSONField(_("figures"), default=dict)
    remarks = models.TextField(_("remarks (typed)"), blank=True)
    is_zero = models.BooleanField(_("zero report"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    late = models.BooleanField(_("late"), default=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amended_at = models.DateTimeField(_("amended at"), null=True, blank=True)
    # The report day it covers: from the end of the village's previous report (or the cut-off the
    # day before) to the cut-off, or to the submission when it came before the cut-off. The next
    # report starts where this one ended, so nothing falls between two reports.
    window_start = models.DateTimeField(_("covers from"), null=True, blank=True)
    window_end = models.DateTimeField(_("covers until"), null=True, blank=True)

    objects = DailyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-date", "area__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "area", "date"], name="report_one_per_village_per_date"
            ),
        ]
        indexes = [models.Index(fields=["county", "date"], name="report_county_date")]

    def __str__(self) -> str:
        return f"{self.area} {self.date}"


class ReportVersion(CountyScoped):
    """One frozen version of a report: number 1 is the submission, later ones amendments."""

    county_source = "report"

    report = models.ForeignKey(
        DailyReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    figures = models.JSONField(_("figures"), default=dict)
    remarks = models.TextField(_("remarks (typed)"), blank=True)
    reason = models.CharField(_("reason for the amendment"), max_length=500, blank=True)
    is_zero = models.BooleanField(_("zero report"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    # An amendment made after the level above took its sheet (or after its deadline) is shown to
    # that level until someone there acknowledges it.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "report", "number"], name="report_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(number=1) | ~models.Q(reason=""),
                name="report_amendment_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"


class SheetReportQuerySet(AreaScopedQuerySet["SheetReport"]):
    def in_area(self, area: Area) -> Self:
        return self.under(area, "area__path")


class SheetReport(models.Model):
    """A township's (or the county's) sheet sent upward for a date (汇总上报): its rows — the
    villages (townships) as they stood and its own row (本级) — and their total, frozen when
    sent; a later correction is a new version with a reason."""

    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="sheet_reports"
    )
    date = models.DateField(_("date"))
    figures = models.JSONField(_("figures"), default=dict)
    rows = models.JSONField(_("rows"), default=list)
    remarks = models.TextField(_("remarks (typed)"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    late = models.BooleanField(_("late"), default=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amended_at = models.DateTimeField(_("amended at"), null=True, blank=True)

    objects = SheetReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("sheet sent upward")
        verbose_name_plural = _("sheets sent upward")
        ordering = ["-date", "area__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "area", "date"], name="sheet_one_per_area_per_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.date}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.county_id = self.area.county_id  # type: ignore[assignment]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class SheetVersion(models.Model):
    """One frozen version of a sheet: 1 is the first sending, later ones amendments."""

    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    sheet = models.ForeignKey(
        SheetReport, verbose_name=_("sheet"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    figures = models.JSONField(_("figures"), default=dict)
    rows = models.JSONField(_("rows"), default=list)
    reason = models.CharField(_("reason for the amendment"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sheet version")
        verbose_name_plural = _("sheet versions")
        ordering = ["sheet", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "sheet", "number"], name="sheet_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(number=1) | ~models.Q(reason=""),
                name="sheet_amendment_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} v{self.number}"


class ReminderQuerySet(models.QuerySet["Reminder"]):
    def unread_for(self, user: object) -> Self:
        return self.filter(recipient=user, read_at__isnull=True)


class Reminder(models.Model):
    """催报: a notice in the app to a village's accounts that its report of a date is missing."""

    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(
        Area, verbose_name=_("village"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("report of"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.CASCADE,
        related_name="report_reminders",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="reminder_unread")]

    def __str__(self) -> str:
        return f"{self.area} {self.date} → {self.recipient_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.county_id = self.area.county_id  # type: ignore[assignment]
        super().save(*args, **kwargs)  # type: ignore[arg-type]
