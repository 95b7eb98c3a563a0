"""The task worker: a real ``fangkong worker`` process killed with SIGKILL in the middle of an
import (the job is marked failed, nothing of it written, and it runs again from its page); the
scheduler enqueues each due job once, whatever the number of workers, and the jobs do their work;
``/healthz`` shows the worker's heartbeat."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from fangkong.core import board, worker
from fangkong.core.models import ScheduledJob

ROOT = Path(settings.BASE_DIR)
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
ROWS = 16000

SETUP = f"""
import datetime as dt
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.tests.factories import build_tree
from fangkong.registry.importing import jobs
from fangkong.registry.tests.factories import make_id_number
tree = build_tree()
cadre = UserFactory(username="cadre", role=Role.VILLAGE_CADRE, area=tree["qianjin"])
lines = ["姓名,身份证号码,家庭住址,网格"]
for n in range({ROWS}):
    number = make_id_number(birth=dt.date(1940, 1, 1) + dt.timedelta(days=n), seq=n % 100)
    lines.append(f"居民{{n}},{{number}},前进村{{n}}号,1网格")
upload = SimpleUploadedFile("big.csv", "\\n".join(lines).encode())
job = jobs.import_job_create(by=cadre, area=tree["qianjin"], upload=upload)
jobs.import_job_start(by=cadre, job=job, dry_run=False)
print(job.token)
"""

RESTART = """
import django
django.setup()
from fangkong.registry.importing import jobs
from fangkong.registry.models import ImportJob
job = ImportJob.objects.get()
jobs.import_job_start(by=job.user, job=job, dry_run=False)
"""


def _env(var: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FANGKONG_", "DATABASE"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "FANGKONG_VAR_DIR": str(var),
        "DATABASE_URL": url,
        "FANGKONG_SECRET_KEY": "s" * 50,
        "FANGKONG_FIELD_KEY": settings.FIELD_ENCRYPTION_KEY,
        "FANGKONG_UPLOAD_TTL_HOURS": "24",
    }


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 - our interpreter, our arguments
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _shared_database(tmp_path: Path) -> tuple[str, Callable[[str], tuple]]:
    """The test database, for worker processes: on SQLite (in memory) a copy in a file; on
    PostgreSQL the test database itself (transactional_db: what they write is committed)."""
    if connection.vendor == "sqlite":
        database = tmp_path / "fangkong.sqlite3"
        target = sqlite3.connect(database)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()

        def one(sql: str) -> tuple:
            with sqlite3.connect(database, timeout=10) as conn:
                return conn.execute(sql).fetchone()

        return f"sqlite:///{database}", one
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

    def one_pg(sql: str) -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()

    return url, one_pg


def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_runs_again(
    transactional_db, tmp_path
):
    var = tmp_path / "var"
    var.mkdir()
    url, one = _shared_database(tmp_path)
    env = _env(var, url)
    _run(env, "-c", textwrap.dedent(SETUP))
    assert one("SELECT status FROM registry_importjob") == ("queued",)
    # This job's progress only: the board is not a Django table, so on PostgreSQL another test's
    # row may still be there (the test database is flushed, not the board).
    (token,) = one("SELECT token FROM registry_importjob")
    assert all(c.isalnum() or c in "-_" for c in token)
    progress_sql = f"SELECT done FROM fangkong_board_progress WHERE key = 'import:{token}'"  # noqa: S608 - checked above

    command = [sys.executable, "-m", "fangkong", "worker", "--no-scheduler", "--interval", "0.1"]
    process = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    board_file = var / "jobs-board.sqlite3"
    deadline = time.monotonic() + 120
    done = 0
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if connection.vendor == "sqlite":
                    with sqlite3.connect(board_file, timeout=10) as conn:
                        row = conn.execute(progress_sql).fetchone()
                else:
                    row = one(progress_sql)
            except (sqlite3.OperationalError, DatabaseError):  # the board is being made
                row = None
            if row and row[0] > 0:
                done = row[0]
                break
            time.sleep(0.02)
        assert done, "the worker never reported progress"
        process.send_signal(signal.SIGKILL)  # mid-import: rows read, the transaction open
    finally:
        process.kill()
        output = process.communicate(timeout=30)[0].decode(errors="replace")
    assert process.returncode == -signal.SIGKILL, output
    assert 0 < done < ROWS
    assert one("SELECT status FROM registry_importjob") == ("running",)
    assert one("SELECT count(*) FROM registry_resident") == (0,)  # nothing half-written

    # The next worker to start marks it failed (its process is gone) before taking any task.
    _run(env, "-m", "fangkong", "worker", "--batch", "--no-scheduler")
    status, error = one("SELECT status, error FROM registry_importjob")
    assert status == "failed" and ("interrupted" in error or "中断" in error), error
    task = one("SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult")
    assert task == ("FAILED", "fangkong.core.worker.WorkerLost")
    assert one("SELECT count(*) FROM registry_resident") == (0,)

    # Started again from its page (the same service), it runs to the end.
    _run(env, "-c", textwrap.dedent(RESTART))
    _run(env, "-m", "fangkong", "worker", "--batch", "--no-scheduler")
    assert one("SELECT status FROM registry_importjob") == ("done",)
    assert one("SELECT count(*) FROM registry_resident") == (ROWS,)


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = DB_TASKS
    return settings


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


def test_the_scheduler_enqueues_each_due_job_once_and_the_jobs_do_their_work(db, db_tasks):
    from django_tasks_db.models import DBTaskResult

    from fangkong.accounts.models import ApiToken
    from fangkong.accounts.tests.factories import UserFactory

    now = timezone.now()
    first = worker.schedule_tick(now=now)
    assert set(first) == {p.name for p in worker.SCHEDULE}
    assert worker.schedule_tick(now=now) == []  # a second worker at the same moment: nothing
    assert worker.schedule_tick(now=now + dt.timedelta(minutes=4)) == []
    assert worker.schedule_tick(now=now + dt.timedelta(minutes=6)) == ["missed-checkins"]
    assert DBTaskResult.objects.count() == len(worker.SCHEDULE) + 1
    job = ScheduledJob.objects.get(name="expired-uploads")
    assert job.next_run_at == now + dt.timedelta(hours=1) and job.last_task_id

    # what the jobs clean up: an upload left for two days, a token expired long ago
    uploads = Path(settings.VAR_DIR) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    old, fresh = uploads / "old.csv", uploads / "fresh.csv"
    old.write_text("x")
    fresh.write_text("x")
    # Both times from the process clock the job reads (time.time()), not the file system's.
    just_now, two_days_ago = time.time(), time.time() - 48 * 3600
    os.utime(fresh, (just_now, just_now))
    os.utime(old, (two_days_ago, two_days_ago))
    user = UserFactory()
    gone = ApiToken.objects.create(
        user=user, digest="a" * 64, prefix="aaaa", expires_at=now - dt.timedelta(days=40)
    )
    live = ApiToken.objects.create(
        user=user, digest="b" * 64, prefix="bbbb", expires_at=now + dt.timedelta(days=10)
    )
    _run_queued()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert not old.exists() and fresh.exists()
    assert not ApiToken.objects.filter(pk=gone.pk).exists()
    assert ApiToken.objects.filter(pk=live.pk).exists()


def test_the_schedule_can_be_changed_by_the_environment(db, db_tasks):
    db_tasks.FANGKONG_SCHEDULE_MINUTES = {"missed-checkins": 1}
    now = timezone.now()
    worker.schedule_tick(now=now)
    assert worker.schedule_tick(now=now + dt.timedelta(seconds=61)) == ["missed-checkins"]


def test_a_task_of_a_dead_worker_is_failed_and_its_import_too(db, db_tasks, tree, users):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tasks_db.models import DBTaskResult

    from fangkong.registry.importing import jobs
    from fangkong.registry.models import ImportJob

    upload = SimpleUploadedFile("a.csv", "姓名,身份证号码\n王大明,430502198001010011\n".encode())
    job = jobs.import_job_create(by=users["cadre"], area=tree["qianjin"], upload=upload)
    jobs.import_job_start(by=users["cadre"], job=job, dry_run=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job.task_id
    # a worker that claimed it and then vanished (no heartbeat for longer than allowed)
    task = DBTaskResult.objects.get(pk=job.task_id)
    task.claim("vanished-worker")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    board.heartbeat("vanished-worker", pid=os.getpid(), started_at=time.time() - 600)
    assert worker.reap_dead_workers(me="me", stale=60) == []  # it beat just now, its pid lives
    assert worker.reap_dead_workers(me="me", stale=0) == [job.task_id]
    job.refresh_from_db()
    task.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and task.status == "FAILED"
    # started again, the worker runs it
    jobs.import_job_start(by=users["cadre"], job=job, dry_run=False)
    _run_queued()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error


def test_health_reports_the_worker_heartbeat(client, db):
    board.heartbeat_remove("health-worker")
    for held in board.heartbeats():
        board.heartbeat_remove(held)
    assert client.get("/healthz").json()["worker"] == "none"
    assert client.get("/healthz?worker=1").status_code == 503
    board.heartbeat("health-worker", pid=os.getpid(), started_at=time.time())
    answer = client.get("/healthz?worker=1")
    assert answer.status_code == 200
    assert answer.json()["worker"] == "ok" and answer.json()["worker_seen_seconds_ago"] < 5
    board.heartbeat_remove("health-worker")


def test_report_reminders_go_out_in_the_hour_before_the_deadline_once(tree, users):
    from fangkong.core.clock import local_tz
    from fangkong.reports.models import Reminder
    from fangkong.reports.services import reminders_send_due

    day = dt.date(2026, 2, 3)
    assert reminders_send_due(at=dt.datetime(2026, 2, 3, 14, 0, tzinfo=local_tz())) == 0
    assert reminders_send_due(at=dt.datetime(2026, 2, 3, 15, 20, tzinfo=local_tz())) == 2
    assert set(Reminder.objects.values_list("recipient__username", flat=True)) == {
        "cadre",
        "stranger",
    }
    assert set(Reminder.objects.values_list("sent_by__username", flat=True)) == {"county_admin"}
    assert Reminder.objects.filter(date=day).count() == 2
    assert reminders_send_due(at=dt.datetime(2026, 2, 3, 15, 50, tzinfo=local_tz())) == 0  # once
    assert reminders_send_due(at=dt.datetime(2026, 2, 3, 16, 5, tzinfo=local_tz())) == 0
