"""Daily report pages: the village's report of the day (submit, amend), the township or county
roll-up with completeness and timeliness, its export, and the dashboard with trends."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap
from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record, client_ip
from fangkong.core.clock import today_local
from fangkong.core.forms import DayForm, apply_errors, submit
from fangkong.core.http import AuthedRequest
from fangkong.core.models import AuditAction
from fangkong.core.permissions import (
    capability_required,
    county_admin_required,
    scoped_login_required,
)
from fangkong.reports import exporting, figures, live, rollup, services
from fangkong.reports.forms import (
    AmendForm,
    DeadlineForm,
    FigureSelectionForm,
    SubmitForm,
    TrendForm,
)
from fangkong.reports.models import CountyReportForm, DailyReport, ReportDeadline


def _area(request: AuthedRequest, pk: int, *, village: bool = False) -> Area:
    areas = Area.objects.for_user(request.user)
    areas = areas.filter(level=Level.VILLAGE) if village else areas.exclude(level=Level.GRID)
    return get_object_or_404(areas.exclude(level=Level.GROUP), pk=pk)


def _day(request: AuthedRequest):  # type: ignore[no-untyped-def]
    return DayForm(request.GET).day(today_local())


@scoped_login_required
def index(request: AuthedRequest) -> HttpResponse:
    """A village cadre goes to today's report; everyone else to the roll-up of his area."""
    area = request.user.area
    assert area is not None
    if area.level == Level.VILLAGE:
        return redirect("reports:village_report", pk=area.pk)
    if area.level in {Level.COUNTY, Level.TOWNSHIP}:
        return redirect("reports:area_rollup", pk=area.pk)
    village = area.ancestors().filter(level=Level.VILLAGE).first()
    if village is None:
        raise PermissionDenied
    return render(request, "reports/below_village.html", {"area": area, "village": village})


@scoped_login_required
def village_report(request: AuthedRequest, pk: int) -> HttpResponse:
    """Today's report of a village: live figures with links, or the frozen one once submitted."""
    area = _area(request, pk, village=True)
    day = _day(request)
    report = (
        DailyReport.objects.for_user(request.user)
        .filter(area=area, date=day)
        .prefetch_related("versions__by")
        .select_related("submitted_by")
        .first()
    )
    can_report = request.user.may(Cap.REPORTS_WRITE, area)
    form = SubmitForm(request.POST or None)
    if request.method == "POST":
        if not can_report:
            raise PermissionDenied
        if report is not None:
            return redirect(reverse("reports:village_amend", args=[area.pk]) + f"?date={day}")
        if form.is_valid():
            try:
                services.report_submit(
                    by=request.user,
                    area=area,
                    day=day,
                    remarks=form.cleaned_data["remarks"],
                    ip=client_ip(request),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Report submitted."))
                return redirect(reverse("reports:village_report", args=[area.pk]) + f"?date={day}")
    report_form = figures.form_for(area.county_id)
    live = figures.compute_with_links(area, day, report_form)
    live_values = {v.figure.key: v.value for v in live}
    context = {
        "area": area,
        "day": day,
        "today": today_local(),
        "report": report,
        "live": live,
        "live_is_zero": figures.is_zero(live_values, report_form),
        "frozen": [(v, report.figures.get(v.figure.key)) for v in live] if report else [],
        "deadline": services.deadline_of(area, day),
        "form": form,
        "can_report": can_report,
    }
    return render(request, "reports/village_report.html", context)


@scoped_login_required
def village_amend(request: AuthedRequest, pk: int) -> HttpResponse:
    area = _area(request, pk, village=True)
    if not request.user.may(Cap.REPORTS_WRITE, area):
        raise PermissionDenied
    day = _day(request)
    report = get_object_or_404(
        DailyReport.objects.for_user(request.user).select_related("area"), area=area, date=day
    )
    form = AmendForm(request.POST or None, initial={"remarks": report.remarks})
    if (
        submit(
            request,
            form,
            lambda data: services.report_amend(
                by=request.user,
                report=report,
                reason=data["reason"],
                remarks=data["remarks"],
                ip=client_ip(request),
            ),
        )
        is not None
    ):
        messages.success(request, _("Amendment saved; the earlier version is kept."))
        return redirect(reverse("reports:village_report", args=[area.pk]) + f"?date={day}")
    return render(
        request,
        "reports/village_amend.html",
        {
            "area": area,
            "day": day,
            "report": report,
            "form": form,
            "live": figures.compute_with_links(area, day, figures.form_for(area.county_id)),
        },
    )


@scoped_login_required
def area_rollup(request: AuthedRequest, pk: int) -> HttpResponse:
    """Completeness, timeliness, missing villages with phones, reported and live figures."""
    area = _area(request, pk)
    day = _day(request)
    result = rollup.rollup(area, day)
    trail = list(area.ancestors().filter(path__startswith=request.user.area.path))  # type: ignore[union-attr]
    return render(
        request,
        "reports/area_rollup.html",
        {"area": area, "day": day, "r": result, "trail": trail, "form": result.form},
    )


@capability_required(Cap.REPORTS_EXPORT)
def area_export(request: AuthedRequest, pk: int) -> HttpResponse:
    area = _area(request, pk)
    day = _day(request)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    table = exporting.report_table(by=request.user, area=area, day=day, ip=client_ip(request))
    return exporting.response(table, fmt=fmt)


@scoped_login_required
def dashboard(request: AuthedRequest, pk: int) -> HttpResponse:
    """Cards and a table per child area live from the records (drill-down to the grids), trends
    from the snapshots; ECharts on this page only. htmx refreshes the live part every two
    minutes and the chart when the figure or the period changes."""
    area = get_object_or_404(Area.objects.for_user(request.user), pk=pk)
    day = _day(request)
    if request.htmx and request.GET.get("part") == "live":
        return render(
            request,
            "reports/dashboard.html#live",
            {"area": area, "day": day, "live": live.live_table(area, day)},
        )
    form = TrendForm(request.GET)
    chosen = form.cleaned_data if form.is_valid() else {}
    figure = figures.FIGURES[chosen.get("figure") or "monitored_now"]
    days = chosen.get("days") or 14
    points = rollup.trend(area, figure, day, days)
    result = rollup.rollup(area, day, live=False)
    chart = {
        "title": str(figure.label),
        "unit": str(figure.unit),
        "dates": [p.date.strftime("%m-%d") for p in points],
        "values": [p.value for p in points],
        "submitted": [p.submitted for p in points],
        "bars": {
            "names": [row.area.name for row in result.rows],
            "values": [row.figures.get(figure.key, 0) for row in result.rows],
        },
    }
    context = {
        "area": area,
        "day": day,
        "figure": figure,
        "days": days,
        "points": points,
        "r": result,
        "chart": json.dumps(chart, ensure_ascii=False),
        "chart_data": chart,
        "trend_form": form,
        "figures": figures.FIGURES.values(),
    }
    if request.htmx:
        return render(request, "reports/dashboard.html#panel", context)
    trail = list(area.ancestors().filter(path__startswith=request.user.area.path))  # type: ignore[union-attr]
    context |= {"live": live.live_table(area, day), "trail": trail}
    return render(request, "reports/dashboard.html", context)


@county_admin_required
def report_settings(request: AuthedRequest) -> HttpResponse:
    """The county's deadlines per level and its choice of figures for the village report."""
    county = get_object_or_404(Area, pk=request.user.area.county_id)  # type: ignore[union-attr]
    deadline = ReportDeadline.objects.filter(county=county).first() or ReportDeadline(county=county)
    selection = CountyReportForm.objects.filter(county=county).first() or CountyReportForm(
        county=county, figure_keys=list(figures.VILLAGE_DAILY.figure_keys)
    )
    which = request.POST.get("which") if request.method == "POST" else None
    deadline_form = DeadlineForm(request.POST if which == "deadlines" else None, instance=deadline)
    figure_form = FigureSelectionForm(
        request.POST if which == "figures" else None, instance=selection
    )
    chosen = {"deadlines": deadline_form, "figures": figure_form}.get(which or "")
    if chosen is not None and chosen.is_valid():
        chosen.save()
        audit_record(
            user=request.user,
            action=AuditAction.UPDATE,
            area=county,
            obj=chosen.instance,
            ip=client_ip(request),
            detail=f"report settings: {which}",
        )
        messages.success(request, _("Saved. It applies to reports submitted from now on."))
        return redirect("reports:settings")
    return render(
        request,
        "reports/settings.html",
        {"county": county, "deadline_form": deadline_form, "figure_form": figure_form},
    )
