"""Web uploads: keep the file, preview the mapping, run the import with progress, report errors."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.tasks import TaskResultStatus, task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, require
from fangkong.areas.models import Area
from fangkong.core import board, crypto, exports, uploads
from fangkong.core.sheets import IGNORE, Sheet, SheetError, cell_text, count_rows, read_sheet
from fangkong.core.sheets.columns import REGISTER as ALIASES
from fangkong.core.sheets.reading import alias_lookup, normalise_header
from fangkong.core.worker import tasks_interrupted
from fangkong.registry.importing.fields import FIELD_LABELS
from fangkong.registry.importing.importer import residents_import
from fangkong.registry.models import ImportJob, ImportProfile

if TYPE_CHECKING:
    from fangkong.accounts.models import User

logger = logging.getLogger(__name__)

ALLOWED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv"}
assert set(FIELD_LABELS) == set(ALIASES)


def import_job_create(*, by: User, area: Area, upload: UploadedFile) -> ImportJob:
    """Store the upload and check that it is a sheet with a header we understand."""
    require(by, area, Cap.REGISTER_WRITE)
    filename = Path(upload.name or "upload").name
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise SheetError(_("Upload an .xlsx, .xls or .csv file (got “%s”).") % filename)
    uploads.check_size(upload.size)
    # 0600 in a 0700 directory; removed when the import is done (or after a day, by the scheduler).
    stored = uploads.store_upload(upload.chunks(), suffix)
    token = stored.stem
    try:
        read_sheet(stored, filename, aliases=ALIASES)
    except SheetError:
        stored.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        token=token, user=by, area=area, filename=filename, stored_path=str(stored)
    )


def _read(job: ImportJob) -> Sheet:
    return read_sheet(
        Path(job.stored_path),
        job.filename,
        aliases=ALIASES,
        sheet_name=job.sheet_name or None,
        columns=job.columns or None,
    )


def field_choices() -> list[tuple[str, str]]:
    """The fields a column can be used as, for the preview page ("" = ignore the column)."""
    return [(IGNORE, _("— ignore —")), *((k, str(v)) for k, v in FIELD_LABELS.items())]


def import_job_preview(job: ImportJob, *, sample_rows: int = 5) -> dict[str, Any]:
    sheet = _read(job)
    sample = []
    for _number, cells in sheet.rows:
        sample.append([cell_text(c) for c in cells[: len(sheet.headers)]])
        if len(sample) >= sample_rows:
            break
    columns = []
    for index, header in enumerate(sheet.headers):
        if not header:
            continue
        field = sheet.mapping.get(index, IGNORE)
        columns.append(
            {
                "index": index,
                "header": header,
                "key": sheet.header_keys[index],
                "field": field,
                "label": str(FIELD_LABELS[field]) if field else "",
                "samples": [row[index] for row in sample if index < len(row)][:3],
            }
        )
    return {
        "header_row": sheet.header_row,
        "sheet_name": sheet.sheet_name,
        "sheet_names": sheet.sheet_names,
        "columns": columns,
        "unmapped": sheet.unmapped,
        "missing": [
            str(FIELD_LABELS[k]) for k in ("name", "id_number") if k not in sheet.mapping.values()
        ],
        "sample": sample,
        "choices": field_choices(),
        "profiles": list(ImportProfile.objects.for_area(job.area).values_list("name", flat=True)),
    }


def import_job_map(
    *,
    by: User,
    job: ImportJob,
    sheet_name: str = "",
    columns: dict[str, str] | None = None,
    profile: str = "",
    save_as: str = "",
) -> ImportJob:
    """Record the user's choices for an upload: a worksheet, a use for each column (or a saved
    profile's), and optionally save them as a named profile of the job's area."""
    if job.user_id != by.pk or job.status in {ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}:
        raise PermissionDenied
    if profile:
        found = ImportProfile.objects.for_area(job.area).filter(name=profile).first()
        if found is None:
            raise SheetError(_("No import profile named “%s” for this area.") % profile)
        columns, sheet_name = dict(found.columns), found.sheet_name or sheet_name
    valid = set(FIELD_LABELS) | {IGNORE}
    columns = {str(k): v for k, v in (columns or {}).items() if v in valid}
    job.sheet_name = sheet_name[:100]
    job.columns = columns or None
    _read(job)  # the choices must give a readable sheet (e.g. a name column)
    job.save(update_fields=["sheet_name", "columns"])
    if save_as.strip():
        profile_save(by=by, area=job.area, name=save_as, columns=columns, sheet_name=sheet_name)
    return job


def profile_save(
    *, by: User | None, area: Area, name: str, columns: dict[str, str], sheet_name: str = ""
) -> ImportProfile:
    """Save (or replace) a named column map for an area."""
    if by is not None and (not by.can_write_register or not by.can_see_area(area)):
        raise PermissionDenied
    name = name.strip()[:50]
    if not name:
        raise SheetError(_("Give the profile a name."))
    profile, _created = ImportProfile.objects.update_or_create(
        area=area,
        name=name,
        defaults={"columns": columns, "sheet_name": sheet_name[:100], "created_by": by},
    )
    return profile


def read_column_map(path: Path) -> dict[str, str]:
    """A column map file for the command line: JSON ``{"header": "field"}`` or a CSV of
    ``header,field`` lines; a field is a key (address), its label (家庭住址) or empty (ignore)."""
    labels: dict[str, str] = alias_lookup(ALIASES)  # any column name the dictionary knows
    for key, label in FIELD_LABELS.items():
        labels[key] = key
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                labels[normalise_header(str(label))] = key
    labels |= {"": IGNORE, "忽略": IGNORE, "ignore": IGNORE, "不导入": IGNORE}
    text = path.read_text(encoding="utf-8-sig")
    try:
        raw = json.loads(text)
        pairs = list(raw.items()) if isinstance(raw, dict) else []
    except json.JSONDecodeError:
        pairs = [(r[0], r[1] if len(r) > 1 else "") for r in csv.reader(io.StringIO(text)) if r]
    columns: dict[str, str] = {}
    for header, target in pairs:
        found = labels.get(normalise_header(str(target or "")), labels.get(str(target or "")))
        if found is None:
            raise SheetError(
                _("Unknown field “%(field)s” for column “%(column)s”.")
                % {"field": target, "column": header}
            )
        columns[normalise_header(header)] = found
    return columns


def _progress_key(job: ImportJob) -> str:
    return f"import:{job.token}"


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(rows read so far, rows in the file) for the page's progress bar: the worker writes the
    count on the board (``core.board``) while the import's transaction is still open."""
    done, total = board.progress_get(_progress_key(job))
    return done, job.total_rows or total


@task
def import_job_run(job_pk: int, dry_run: bool) -> str:
    """The task the worker runs (``fangkong worker``): count the rows, import, record the result."""
    job = ImportJob.objects.select_related("user__area", "area").get(pk=job_pk)
    if job.status not in {ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}:
        return job.status  # failed meanwhile (a dead worker's turn): started again from its page
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    key = _progress_key(job)
    try:
        total = count_rows(Path(job.stored_path), job.sheet_name or None)
    except Exception:  # the import below reports an unreadable file properly
        total = 0
    ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
    job.total_rows = total
    board.progress_set(key, 0, total)
    try:
        _run(job, dry_run, progress=board.Throttled(key, total=total))
    finally:
        board.progress_clear(key)
    return job.status


def _run(job: ImportJob, dry_run: bool, *, progress: Callable[[int], None]) -> None:
    try:
        result = residents_import(
            source=Path(job.stored_path),
            filename=job.filename,
            area=job.area,
            by=job.user,
            dry_run=dry_run,
            sheet_name=job.sheet_name or None,
            columns=job.columns or None,
            progress=progress,
        )
    except Exception as error:  # reported on the page; the import itself rolled back
        job.status = ImportJob.Status.FAILED
        job.error = str(error) if isinstance(error, SheetError) else _("The import failed.")
        if not isinstance(error, SheetError):
            logger.exception("import %s failed", job.token)
    else:
        job.status = ImportJob.Status.DONE
        job.result = result.as_json() | {
            "sheet_name": result.sheet_name,
            "unmapped_columns": result.unmapped_columns,
            "households_created": result.households_created,
            "dry_run": dry_run,
        }
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "error", "finished_at"])
    if job.status == ImportJob.Status.DONE and not dry_run:
        _import_over(job)


def _error_report_path(job: ImportJob) -> Path:
    return Path(job.stored_path).with_suffix(".errors")


def _import_over(job: ImportJob) -> None:
    """The register has the rows now: the uploaded file goes. The rejected rows (the cadre fixes
    and uploads them again) are kept as a workbook sealed with the field key until it expires."""
    if (job.result or {}).get("rejected"):
        with _build_error_report(job) as handle:
            sealed = crypto.encrypt_bytes(handle.read())
        fd = os.open(_error_report_path(job), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(sealed)
    uploads.remove_upload(job.stored_path)


def import_job_fail(job: ImportJob, *, reason: str = "") -> ImportJob:
    """Mark a job whose worker died (killed, a server restart) as failed, so its owner sees it
    and can start it again from its page. The import itself ran in one transaction: nothing of
    it was written, and the uploaded file is still there."""
    job.status = ImportJob.Status.FAILED
    job.error = reason or _("The import was interrupted (the server restarted); start it again.")
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    board.progress_clear(_progress_key(job))
    return job


def import_jobs_fail_interrupted(task_ids: list[str] | None = None) -> int:
    """Mark failed the jobs of ``task_ids`` (tasks of a dead worker) and every job still
    "queued" or "running" whose task is over or gone (nothing will ever finish it). The worker
    calls it through ``core.worker.tasks_interrupted`` when it starts and every half minute."""
    from django_tasks_db.models import DBTaskResult

    live = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).values_list("id", flat=True)
    live_ids = {str(pk) for pk in live} - set(task_ids or [])
    count = 0
    pending = ImportJob.objects.filter(
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    )
    for job in pending:
        if job.task_id not in live_ids:
            import_job_fail(job)
            count += 1
    return count


def _on_tasks_interrupted(sender: object, *, task_ids: list[str], **kwargs: object) -> None:
    import_jobs_fail_interrupted(task_ids)


tasks_interrupted.connect(_on_tasks_interrupted, dispatch_uid="registry-import-jobs")


def import_job_start(*, by: User, job: ImportJob, dry_run: bool) -> ImportJob:
    """Queue the import for the task worker; the page polls its progress. A failed job (a bad
    file, a dead worker) can be started again."""
    if job.user_id != by.pk or job.status in {ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}:
        raise PermissionDenied
    if not Path(job.stored_path).exists():
        raise SheetError(_("The uploaded file has been removed; upload it again."))
    with transaction.atomic():
        job.status = ImportJob.Status.QUEUED
        job.dry_run = dry_run
        job.result = None
        job.error = ""
        job.finished_at = None
        job.total_rows = None
        job.save(
            update_fields=["status", "dry_run", "result", "error", "finished_at", "total_rows"]
        )
        # The task row is written in this transaction: a worker sees the job and its task
        # together. (In tests the immediate backend runs the import right here.)
        enqueued = import_job_run.enqueue(job.pk, dry_run)
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(enqueued.id))
    job.refresh_from_db()
    return job


def import_error_report(job: ImportJob) -> tempfile._TemporaryFileWrapper[bytes]:
    """The rejected rows as they were in the file, with the row number and the reason added."""
    if not Path(job.stored_path).exists():
        sealed = _error_report_path(job)
        if not sealed.exists():
            raise SheetError(_("The uploaded file has been removed; upload it again."))
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned open
        handle.write(crypto.decrypt_bytes(sealed.read_bytes()))
        handle.seek(0)
        return handle
    return _build_error_report(job)


def _build_error_report(job: ImportJob) -> tempfile._TemporaryFileWrapper[bytes]:
    errors: dict[int, list[str]] = {}
    for e in (job.result or {}).get("errors", []):
        errors.setdefault(e["row"], []).append(f"{e['column']}: {e['message']}")
    sheet = _read(job)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned open
    workbook = exports.workbook(handle.name, {"constant_memory": True})
    ws = workbook.add_worksheet("错误行")
    bold = workbook.add_format({"bold": True, "bg_color": "#FDECEA"})
    text = workbook.add_format({"num_format": "@"})
    ws.write_row(0, 0, ["原行号", *sheet.headers, "错误原因"], bold)
    ws.set_column(0, len(sheet.headers) + 1, 16, text)
    out = 1
    for number, cells in sheet.rows:
        if number in errors:
            values = [cell_text(c) for c in cells[: len(sheet.headers)]]
            values += [""] * (len(sheet.headers) - len(values))
            ws.write_row(out, 0, [str(number), *values, "；".join(errors[number])])
            out += 1
    workbook.close()
    handle.seek(0)
    return handle


def import_template() -> tempfile._TemporaryFileWrapper[bytes]:
    """An empty sheet with the columns we read, the ID column formatted as text."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned open
    workbook = exports.workbook(handle.name)
    ws = workbook.add_worksheet("人口登记")
    bold = workbook.add_format({"bold": True, "bg_color": "#E3F2FD"})
    text = workbook.add_format({"num_format": "@"})
    headers = [
        "姓名",
        "身份证号",
        "联系电话",
        "户主姓名",
        "与户主关系",
        "家庭住址",
        "户号",
        "网格",
        "居住状态",
        "低保",
        "独居老人",
        "慢性病",
        "孕产妇",
        "残疾",
        "备注",
    ]
    ws.write_row(0, 0, headers, bold)
    ws.set_column(0, len(headers) - 1, 14, text)
    ws.set_column(1, 1, 22, text)
    ws.write_comment(0, 1, "18位居民身份证号，本列为文本格式，请勿改为数字。")
    ws.write_comment(0, 4, "户主、配偶、子、女、父亲、母亲、孙子、孙女……")
    ws.write_comment(0, 8, "常住、外出、流入/暂住")
    ws.write_comment(0, 9, "是 / 否")
    ws.freeze_panes(1, 0)
    workbook.close()
    handle.seek(0)
    return handle
