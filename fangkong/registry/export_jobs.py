"""Large exports of the register in the task worker: the page asks (audited there, with the row
count), the worker writes the .xlsx and seals it with the field key, the page polls and offers
the file. A file goes after ``FANGKONG_UPLOAD_TTL_HOURS`` with the expired uploads."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import crypto, uploads
from fangkong.core.worker import tasks_interrupted
from fangkong.registry import exporting
from fangkong.registry.models import ExportJob

if TYPE_CHECKING:
    from fangkong.accounts.models import User
    from fangkong.areas.models import Area

logger = logging.getLogger(__name__)


def inline_rows() -> int:
    """An .xlsx export of more rows than this is written by the task worker."""
    return int(getattr(settings, "FANGKONG_EXPORT_INLINE_ROWS", 20000))


def export_path(job: ExportJob) -> Path:
    return uploads.upload_dir() / f"{job.token}.export"


def export_job_queue(
    *, by: User, export: exporting.Export, area: Area | None, query: str, filename: str
) -> ExportJob:
    """Queue an export already asked for (and audited) by ``exporting.export_prepare``."""
    assert by.area is not None
    with transaction.atomic():
        job = ExportJob.objects.create(
            token=secrets.token_hex(16),
            user=by,
            scope=by.area,
            area=area,
            kind=export.kind,
            query=query[:100],
            full=export.full,
            filename=filename[:255],
            rows=export.rows,
        )
        enqueued = export_job_run.enqueue(job.pk)
        ExportJob.objects.filter(pk=job.pk).update(task_id=str(enqueued.id))
    job.refresh_from_db()
    return job


@task
def export_job_run(job_pk: int) -> str:
    job = ExportJob.objects.select_related("user__area", "area").get(pk=job_pk)
    if job.status != ExportJob.Status.QUEUED:
        return job.status
    job.status = ExportJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        export = exporting.export_build(
            by=job.user, kind=job.kind, area=job.area, query=job.query, full=job.full
        )
        title = (job.area or job.scope).name
        with exporting.xlsx_file(export, title=title) as handle:
            sealed = crypto.encrypt_bytes(handle.read())
        fd = os.open(export_path(job), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(sealed)
    except Exception:
        logger.exception("export %s failed", job.token)
        job.status = ExportJob.Status.FAILED
        job.error = _("The export failed; ask for it again.")
    else:
        job.status = ExportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job.status


def export_job_file(job: ExportJob) -> bytes | None:
    """The finished file, unsealed; None when it has expired (removed)."""
    path = export_path(job)
    if job.status != ExportJob.Status.DONE or not path.exists():
        return None
    return crypto.decrypt_bytes(path.read_bytes())


def export_jobs_fail_interrupted(task_ids: list[str] | None = None) -> int:
    """Exports whose worker died, or whose task is over without them: failed, ask again."""
    from django_tasks_db.models import DBTaskResult

    live = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).values_list("id", flat=True)
    live_ids = {str(pk) for pk in live} - set(task_ids or [])
    count = 0
    for job in ExportJob.objects.filter(
        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
    ):
        if job.task_id not in live_ids:
            job.status = ExportJob.Status.FAILED
            job.error = _("The export was interrupted (the server restarted); ask for it again.")
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
            export_path(job).unlink(missing_ok=True)
            count += 1
    return count


def _on_tasks_interrupted(sender: object, *, task_ids: list[str], **kwargs: object) -> None:
    export_jobs_fail_interrupted(task_ids)


tasks_interrupted.connect(_on_tasks_interrupted, dispatch_uid="registry-export-jobs")
