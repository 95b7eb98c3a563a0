"""Pages that move the register in and out: the upload with preview and progress, the exports."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.accounts.access import Cap
from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record, client_ip
from fangkong.core.http import AuthedRequest
from fangkong.core.models import AuditAction
from fangkong.core.permissions import (
    capability_required,
    register_writer_required,
    scoped_login_required,
)
from fangkong.registry import export_jobs, exporting
from fangkong.registry.forms import AreaChoiceField
from fangkong.registry.importing import SheetError
from fangkong.registry.importing import jobs as import_jobs
from fangkong.registry.models import ExportJob, ImportJob

IMPORT_AREA_LEVELS = {Level.TOWNSHIP, Level.VILLAGE, Level.GROUP, Level.GRID}


class UploadForm(forms.Form):
    area = AreaChoiceField(queryset=Area.objects.none(), label=gettext_lazy("Import into"))
    file = forms.FileField(
        label=gettext_lazy("Sheet (.xlsx, .xls or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.xlsm,.csv"}),
    )

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["area"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Area.objects.for_user(user).filter(level__in=IMPORT_AREA_LEVELS)  # type: ignore[arg-type]
        if user.area is not None and user.area.level in IMPORT_AREA_LEVELS:  # type: ignore[attr-defined]
            field.initial = user.area.pk  # type: ignore[attr-defined]


@register_writer_required
def import_upload(request: AuthedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_jobs.import_job_create(
                by=request.user, area=form.cleaned_data["area"], upload=form.cleaned_data["file"]
            )
        except SheetError as error:
            form.add_error("file", str(error))
        else:
            return redirect("registry:import_preview", token=job.token)
    recent = ImportJob.objects.for_user(request.user).select_related("area")[:10]
    return render(request, "registry/import_upload.html", {"form": form, "recent": recent})


@register_writer_required
def import_preview(request: AuthedRequest, token: str) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.for_user(request.user), token=token)
    if request.method == "POST":
        mode = request.POST.get("mode", "import")
        try:
            _apply_choices(request, job, mode)
        except SheetError as error:
            messages.error(request, str(error))
            return redirect("registry:import_preview", token=job.token)
        if mode in {"import", "check"}:
            try:
                import_jobs.import_job_start(by=request.user, job=job, dry_run=mode == "check")
            except SheetError as error:  # the upload was removed (imported, or expired)
                messages.error(request, str(error))
                return redirect("registry:import_upload")
            return redirect("registry:import_status", token=job.token)
        return redirect("registry:import_preview", token=job.token)
    try:
        preview = import_jobs.import_job_preview(job)
    except SheetError as error:
        messages.error(request, str(error))
        return redirect("registry:import_upload")
    return render(request, "registry/import_preview.html", {"job": job, "preview": preview})


def _apply_choices(request: AuthedRequest, job: ImportJob, mode: str) -> None:
    """The preview form's choices: another worksheet, a saved profile, or a use per column
    (``key-N`` the column's header, ``col-N`` the field or "" to ignore), saved as a profile
    when named."""
    post = request.POST
    if mode == "sheet":
        import_jobs.import_job_map(by=request.user, job=job, sheet_name=post.get("sheet", ""))
        return
    if mode == "profile":
        import_jobs.import_job_map(by=request.user, job=job, profile=post.get("profile", ""))
        return
    columns = {
        post[f"key-{n}"]: post[name]
        for name in post
        if name.startswith("col-") and (n := name[4:]).isdigit() and f"key-{n}" in post
    }
    if columns or post.get("save_as"):
        import_jobs.import_job_map(
            by=request.user,
            job=job,
            sheet_name=job.sheet_name,
            columns=columns,
            save_as=post.get("save_as", ""),
        )


@register_writer_required
def import_status(request: AuthedRequest, token: str) -> HttpResponse:
    job = get_object_or_404(
        ImportJob.objects.for_user(request.user).select_related("area"), token=token
    )
    done, total = import_jobs.import_job_progress(job)
    context = {
        "job": job,
        "progress": done,
        "total": total,
        "errors": (job.result or {}).get("errors", [])[:500],
        "warnings": (job.result or {}).get("warnings", [])[:500],
    }
    template = "registry/import_status.html"
    if request.htmx:
        template += "#status"
    return render(request, template, context)


@register_writer_required
def import_errors(request: AuthedRequest, token: str) -> HttpResponseBase:
    job = get_object_or_404(ImportJob.objects.for_user(request.user), token=token)
    if job.status != ImportJob.Status.DONE:
        raise PermissionDenied
    try:
        handle = import_jobs.import_error_report(job)
    except SheetError as error:
        messages.error(request, str(error))
        return redirect("registry:import_upload")
    return FileResponse(handle, as_attachment=True, filename=f"错误行-{job.filename}.xlsx")


@scoped_login_required
def import_template(request: AuthedRequest) -> HttpResponseBase:
    return FileResponse(
        import_jobs.import_template(), as_attachment=True, filename="人口登记模板.xlsx"
    )


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What"),
        choices=[
            ("residents", gettext_lazy("Residents")),
            ("households", gettext_lazy("Households")),
        ],
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")]
    )
    area = AreaChoiceField(queryset=Area.objects.none(), label=gettext_lazy("Area"), required=False)
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    full = forms.BooleanField(
        label=gettext_lazy("Full ID and phone numbers (not masked)"), required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for full numbers"), required=False, max_length=200
    )

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["area"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Area.objects.for_user(user)  # type: ignore[arg-type]
        self.user = user
        if not user.can_reveal:  # type: ignore[attr-defined]
            del self.fields["full"]
            del self.fields["reason"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("full") and not str(data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the full numbers are needed."))
        return data


@capability_required(Cap.REGISTER_EXPORT)
def export_page(request: AuthedRequest) -> HttpResponseBase:
    form = ExportForm(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        export = exporting.export_prepare(
            by=request.user,
            kind=data["kind"],
            area=data.get("area"),
            query=data.get("q", ""),
            full=bool(data.get("full")),
            reason=data.get("reason", ""),
            ip=client_ip(request),
            fmt=data["format"],
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        area_name = (data.get("area") or request.user.area).name  # type: ignore[union-attr]
        name = f"{area_name}-{_('Residents') if data['kind'] == 'residents' else _('Households')}-{stamp}"
        if data["format"] == "xlsx" and export.rows > export_jobs.inline_rows():
            # A large workbook is written by the task worker; this page polls for it.
            job = export_jobs.export_job_queue(
                by=request.user,
                export=export,
                area=data.get("area"),
                query=data.get("q", ""),
                filename=f"{name}.xlsx",
            )
            return redirect("registry:export_status", token=job.token)
        if data["format"] == "csv":
            response = StreamingHttpResponse(
                exporting.csv_stream(export), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = _attachment(f"{name}.csv")
            return response
        return FileResponse(
            exporting.xlsx_file(export, title=area_name),
            as_attachment=True,
            filename=f"{name}.xlsx",
        )
    return render(request, "registry/export.html", {"form": form})


@capability_required(Cap.REGISTER_EXPORT)
def export_status(request: AuthedRequest, token: str) -> HttpResponse:
    job = get_object_or_404(ExportJob.objects.for_user(request.user), token=token)
    template = "registry/export_status.html"
    if request.htmx:
        template += "#status"
    return render(request, template, {"job": job})


@capability_required(Cap.REGISTER_EXPORT)
def export_download(request: AuthedRequest, token: str) -> HttpResponseBase:
    job = get_object_or_404(ExportJob.objects.for_user(request.user), token=token)
    data = export_jobs.export_job_file(job)
    if data is None:
        messages.error(request, _("This export is no longer kept; ask for it again."))
        return redirect("registry:export")
    audit_record(
        user=request.user,
        action=AuditAction.EXPORT,
        area=job.area or job.scope,
        rows=job.rows,
        ip=client_ip(request),
        field="full" if job.full else "masked",
        detail=f"{job.kind}.xlsx download (queued export)",
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = _attachment(job.filename)
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
