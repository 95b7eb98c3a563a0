"""Daily report pages: the village's report of the day (submit, amend), the township or county
roll-up with completeness and timeliness, its export, and the dashboard with trends."""

from __future__ import annotations

import functools
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.access import Cap
from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record, client_ip
from fangkong.core.clock import local_tz, today_local
from fangkong.core.forms import DayForm, apply_errors, submit
from fangkong.core.http import AuthedRequest
from fangkong.core.models import AuditAction
from fangkong.core.pagination import paginate
from fangkong.core.permissions import (
    capability_required,
    scoped_login_required,
)
from fangkong.reports import county_settings, exporting, figures, live, rollup, services
from fangkong.reports.forms import (
    AmendForm,
    DeadlineForm,
    FigureSelectionForm,
    ObservationSettingsForm,
    SubmitForm,
    TrendForm,
)
from fangkong.reports.models import (
    CountyReportForm,
    DailyReport,
    Reminder,
    ReportDeadline,
    ReportVersion,
    SheetReport,
    SheetVersion,
)


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
        if report is not None:  # a second tap, another cadre, a resent form: say so (issue 15)
            local_at = timezone.localtime(report.submitted_at, local_tz())
            messages.warning(
                request,
                _(
                    "The report of %(date)s was already submitted at %(time)s: it was not "
                    "submitted again. To correct it, use “Amend” and give the reason."
                )
                % {"date": day.isoformat(), "time": local_at.strftime("%H:%M")},
            )
            return redirect(reverse("reports:village_report", args=[area.pk]) + f"?date={day}")
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
    reminders = list(
        Reminder.objects.unread_for(request.user).filter(area=area).select_related("sent_by")
    )
    if reminders:  # seen now
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(read_at=timezone.now())
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
        "reminders": reminders,
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
    sections = _sections(result.form.figures)
    chosen = [i for i in request.GET.getlist("section") if i.isdigit() and int(i) < len(sections)]
    shown = [sections[int(i)] for i in dict.fromkeys(chosen)] or sections
    columns = [f for _label, section in shown for f in section]
    return render(
        request,
        "reports/area_rollup.html",
        {
            "area": area,
            "day": day,
            "r": result,
            "sections": sections,
            "shown": shown,
            "chosen": {int(i) for i in chosen},
            "grid": [(row, [row.figures.get(f.key) for f in columns]) for row in result.rows],
            "total": [result.reported.get(f.key) for f in columns],
            "printed": [
                (
                    label,
                    section,
                    [(row, [row.figures.get(f.key) for f in section]) for row in result.rows],
                    [result.reported.get(f.key) for f in section],
                )
                for label, section in shown
            ],
            "trail": trail,
            "form": result.form,
            "can_send": services.can_send_sheet(request.user, area),
            "can_acknowledge": area.level != Level.VILLAGE
            and services.can_send_sheet(request.user, area),
        },
    )


@scoped_login_required
@require_POST
def remind(request: AuthedRequest, pk: int) -> HttpResponse:
    """催报: a notice in the app to the accounts of a village whose report is missing."""
    village = _area(request, pk, village=True)
    day = _day(request)
    try:
        sent = services.reminder_send(
            by=request.user, village=village, day=day, ip=client_ip(request)
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Reminder sent to %(n)s account(s) of %(area)s.") % {"n": sent, "area": village.name},
        )
    above = village.parent
    assert above is not None
    return redirect(reverse("reports:area_rollup", args=[above.pk]) + f"?date={day}#missing")


@scoped_login_required
@require_POST
def sheet_send(request: AuthedRequest, pk: int) -> HttpResponse:
    """The township (county) sends its sheet upward, or amends it with a reason."""
    area = _area(request, pk)
    day = _day(request)
    if not services.can_send_sheet(request.user, area):
        raise PermissionDenied
    sheet = SheetReport.objects.for_user(request.user).filter(area=area, date=day).first()
    try:
        if sheet is None:
            services.sheet_submit(
                by=request.user,
                area=area,
                day=day,
                remarks=request.POST.get("remarks", ""),
                ip=client_ip(request),
            )
            messages.success(request, _("Sheet sent upward."))
        else:
            services.sheet_amend(
                by=request.user,
                sheet=sheet,
                reason=request.POST.get("reason", ""),
                ip=client_ip(request),
            )
            messages.success(request, _("Amendment saved; the earlier version is kept."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(reverse("reports:area_rollup", args=[area.pk]) + f"?date={day}")


@scoped_login_required
@require_POST
def amendment_acknowledge(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    """The level above has seen an amendment that came after it took its sheet."""
    version: ReportVersion | SheetVersion
    if kind == "sheet":
        version = get_object_or_404(
            SheetVersion.objects.filter(
                sheet__in=SheetReport.objects.for_user(request.user)
            ).select_related("sheet__area__parent"),
            pk=pk,
        )
        owner = version.sheet
    else:
        version = get_object_or_404(
            ReportVersion.objects.filter(
                report__in=DailyReport.objects.for_user(request.user)
            ).select_related("report__area__parent"),
            pk=pk,
        )
        owner = version.report  # type: ignore[assignment]
    services.amendment_acknowledge(by=request.user, version=version, ip=client_ip(request))
    above = owner.area.parent
    assert above is not None
    return redirect(reverse("reports:area_rollup", args=[above.pk]) + f"?date={owner.date}")


@scoped_login_required
def figure_records(request: AuthedRequest, key: str, pk: int) -> HttpResponse:
    """Exactly the records behind one figure for (area, date), at any level down to the grid:
    the list's total is the figure, and each row says in which area it lies."""
    figure = figures.FIGURES.get(key)
    if figure is None or figure.records is None:
        raise Http404
    area = get_object_or_404(Area.objects.for_user(request.user).exclude(level=Level.GROUP), pk=pk)
    day = _day(request)
    ctx = figures.FigureContext(area, day)
    rows = figure.records.rows(ctx)
    total = figure.records.count(ctx, rows)
    listed = rows.annotate(where=F(figure.records.where)).order_by("where", "pk")
    page = paginate(request, listed, default_size=50)
    query = urlencode({"date": day.isoformat(), "size": page.paginator.per_page})
    return render(
        request,
        "reports/figure_records.html",
        {
            "area": area,
            "day": day,
            "figure": figure,
            "value": figure.compute(ctx),
            "total": total,
            "count": page.paginator.count,
            "page": page,
            "query": query,
            "app_page": figure.records.page(ctx) if figure.records.page else "",
            "report_url": _report_url(area, day),
        },
    )


def _sections(
    chosen: list[figures.Figure], per_page: int = 12
) -> list[tuple[str, list[figures.Figure]]]:
    """The figures by section, in the form's order; a section too wide for one A4 landscape
    page is cut in parts (a sheet of 12 figure columns and the area column fits)."""
    result: list[tuple[str, list[figures.Figure]]] = []
    for figure in chosen:
        label = str(figure.section or _("Other"))
        if result and result[-1][0] == label and len(result[-1][1]) < per_page:
            result[-1][1].append(figure)
        else:
            result.append((label, [figure]))
    return result


def _report_url(area: Area, day) -> str:  # type: ignore[no-untyped-def]
    if area.level == Level.VILLAGE:
        return reverse("reports:village_report", args=[area.pk]) + f"?date={day}"
    if area.level == Level.GRID:
        return reverse("reports:dashboard", args=[area.pk]) + f"?date={day}"
    return reverse("reports:area_rollup", args=[area.pk]) + f"?date={day}"


@capability_required(Cap.REPORTS_EXPORT)
def area_export(request: AuthedRequest, pk: int) -> HttpResponse:
    area = _area(request, pk)
    day = _day(request)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    table = exporting.report_table(by=request.user, area=area, day=day, ip=client_ip(request))
    return exporting.response(table, fmt=fmt)


@functools.cache
def _figure_options(language: str | None, chosen: str) -> SafeString:
    """The trend's <option>s, one per registered figure (58), built once per language and
    chosen figure: looped in the template they were a quarter of the dashboard's lookups."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (f.key, mark_safe(" selected") if f.key == chosen else "", f.label)
            for f in figures.FIGURES.values()
        ),
    )


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
    if area.level in {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}:
        # Trends from the submitted reports: a day without a report is a gap, not a 0.
        points, source = rollup.trend(area, figure, day, days), "reported"
    else:  # a grid: no reports below a village, the figure from its records day by day
        points, source = rollup.live_trend(area, figure, day, days), "live"
    table = live.live_table(area, day) if not request.htmx else None
    if area.level in {Level.COUNTY, Level.TOWNSHIP}:
        # The own row's bar from the records: the charted figure only, from the live table
        # when it counts that figure (no query), else from the records.
        def own(below: list[Area]) -> dict[str, figures.Number]:
            counted = table if table is not None else live.live_table(area, day)
            return live.own_figure(counted, figure, day, below)

        rows = rollup.chart_rows(area, day, own)
        names = [row.label for row in rows]
        values = [row.figures.get(figure.key) for row in rows]
        bars_source = "reported"
    else:  # a village's grids (a grid's groups), from the records now
        children = list(Area.objects.filter(parent=area).order_by("path"))
        names = [child.name for child in children]
        # Every grid's figure from the same grouped queries (none per grid).
        bars = figures.ReportForm("bars", figure.label, figures.with_parts([figure.key]))
        _whole, by_child = figures.compute_below(area, children, day, bars)
        values = [by_child[child.pk][figure.key] for child in children]
        bars_source = "live"
    chart = {
        "title": str(figure.label),
        "unit": str(figure.unit),
        "dates": [p.date.strftime("%m-%d") for p in points],
        "values": [p.value for p in points],
        "submitted": [p.submitted for p in points],
        "source": source,
        "bars": {"names": names, "values": values, "source": bars_source},
    }
    context = {
        "area": area,
        "day": day,
        "figure": figure,
        "days": days,
        "points": points,
        "chart": json.dumps(chart, ensure_ascii=False),
        "chart_data": chart,
        "trend_form": form,
        "figure_options": _figure_options(get_language(), figure.key),
    }
    if request.htmx:
        return render(request, "reports/dashboard.html#panel", context)
    trail = list(area.ancestors().filter(path__startswith=request.user.area.path))  # type: ignore[union-attr]
    context |= {"live": table, "trail": trail}
    return render(request, "reports/dashboard.html", context)


@capability_required(Cap.REPORTS_MANAGE)
def report_settings(request: AuthedRequest) -> HttpResponse:
    """The county's settings: the report day's cut-off and the deadlines per level, its choice of
    figures for the village report, and its temperature check-ins and case-end undo."""
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
    in_force = county_settings.county_settings(county)
    observation_form = ObservationSettingsForm(
        request.POST if which == "observation" else None,
        initial={name: in_force[name] for name in county_settings.POLICY_FIELDS},
    )
    if which == "observation" and observation_form.is_valid():
        try:
            changed = county_settings.county_settings_update(
                by=request.user,
                county=county,
                values=observation_form.cleaned_data,
                ip=client_ip(request),
            )
        except ValidationError as error:
            apply_errors(observation_form, error)
        else:
            if changed:
                messages.success(
                    request, _("Saved. It applies to observations opened from today on.")
                )
            return redirect("reports:settings")
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
        {
            "county": county,
            "deadline_form": deadline_form,
            "figure_form": figure_form,
            "observation_form": observation_form,
            "policy": in_force["policy"],
        },
    )
