from django.contrib import admin

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


class ReportVersionInline(admin.TabularInline):
    model = ReportVersion
    extra = 0
    can_delete = False
    readonly_fields = ["number", "figures", "remarks", "reason", "is_zero", "by", "at"]


@admin.register(DailyReport)
class DailyReportAdmin(admin.ModelAdmin):
    """Reports are frozen: read them here, correct them by an amendment on the report page."""

    list_display = ["area", "date", "submitted_at", "late", "is_zero", "version"]
    list_filter = ["date", "late", "is_zero"]
    readonly_fields = [f.name for f in DailyReport._meta.fields]
    inlines = [ReportVersionInline]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
