"""A large .xlsx export is written by the task worker: asked for (and audited) on the page, the
file sealed on disk, offered on its page to its owner only, audited again when downloaded."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from fangkong.accounts.tests.factories import PASSWORD
from fangkong.core.models import AuditEvent
from fangkong.registry import export_jobs
from fangkong.registry.models import ExportJob
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


@pytest.fixture
def queued(settings):
    settings.TASKS = DB_TASKS
    settings.FANGKONG_EXPORT_INLINE_ROWS = 2  # anything above two rows goes to the worker


def _run_queued() -> None:
    """django-tasks-db's worker, in this process, on the test's database: it closes "old"
    connections between tasks, which would close the test's own transaction on PostgreSQL."""
    from unittest import mock

    from django_tasks_db.management.commands import db_worker

    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        _worker().run()


def _worker():
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def test_a_large_export_is_written_by_the_worker_for_its_owner_only(client, tree, users, queued):
    mine = [ResidentFactory(household=HouseholdFactory(area=tree["qianjin_g1"])) for _ in range(3)]
    theirs = ResidentFactory(household=HouseholdFactory(area=tree["baiyun_g1"]))
    client.login(username="cadre", password=PASSWORD)
    response = client.post("/register/export/", {"kind": "residents", "format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/register/export/{job.token}/"
    assert job.status == ExportJob.Status.QUEUED and job.rows == 3 and job.task_id
    assert AuditEvent.objects.filter(action="export").count() == 1  # audited when asked for
    page = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in page and "<html" not in page

    _run_queued()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    sealed = export_jobs.export_path(job).read_bytes()
    assert (
        not sealed.startswith(b"PK")
        and oct(export_jobs.export_path(job).stat().st_mode)[-3:] == "600"
    )
    assert "/file/" in client.get(response["Location"]).content.decode()
    download = client.get(f"/register/export/{job.token}/file/")
    assert download.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(download.content)).get_sheet_by_index(0)
    text = str(rows.to_python())
    assert all(r.name in text and r.id_number not in text for r in mine)
    assert theirs.name not in text
    assert AuditEvent.objects.filter(action="export").count() == 2  # and when downloaded

    # a cadre of another village: 404; a role that may not export: 403; anonymous: login
    client.login(username="stranger", password=PASSWORD)
    assert client.get(f"/register/export/{job.token}/").status_code == 404
    assert client.get(f"/register/export/{job.token}/file/").status_code == 404
    client.login(username="viewer", password=PASSWORD)
    assert client.get(f"/register/export/{job.token}/file/").status_code == 403
    client.logout()
    assert client.get(f"/register/export/{job.token}/file/").status_code == 302


def test_an_export_of_a_dead_worker_is_failed(tree, users, queued):
    from django_tasks_db.models import DBTaskResult

    from fangkong.core import worker
    from fangkong.registry import exporting

    ResidentFactory(household=HouseholdFactory(area=tree["qianjin_g1"]))
    export = exporting.export_prepare(by=users["cadre"], kind="residents", fmt="xlsx")
    job = export_jobs.export_job_queue(
        by=users["cadre"], export=export, area=None, query="", filename="a.xlsx"
    )
    DBTaskResult.objects.get(pk=job.task_id).claim("gone-worker")  # never beat: gone
    DBTaskResult.objects.filter(pk=job.task_id).update(started_at="2000-01-01T00:00:00Z")
    assert worker.reap_dead_workers(me="me") == [job.task_id]
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.error
