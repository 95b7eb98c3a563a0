from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin, ReadOnlyInline
from fangkong.reports.forms import FigureSelectionForm
from fangkong.reports.models import CountyReportForm, DailyReport, ReportDeadline, ReportVersion


@admin.register(ReportDeadline)
class ReportDeadlineAdmin(admin.ModelAdmin):
    list_display = ["county", "deadline", "township_deadline", "county_deadline"]


class CountyReportFormForm(FigureSelectionForm):
    class Meta(FigureSelectionForm.Meta):
        fields = ["county", "figure_keys"]


@admin.register(CountyReportForm)
class CountyReportFormAdmin(admin.ModelAdmin):
    """A county's selection of figures for its village daily report."""

    form = CountyReportFormForm
    list_display = ["county", "updated_at"]


class ReportVersionInline(ReadOnlyInline):
    model = ReportVersion
    readonly_fields = ["number", "figures", "remarks", "reason", "is_zero", "by", "at"]


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdmin):
    """Reports are frozen: read them here, correct them by an amendment on the report page."""

    list_display = ["area", "date", "submitted_at", "late", "is_zero", "version"]
    list_filter = ["date", "late", "is_zero"]
    inlines = [ReportVersionInline]
