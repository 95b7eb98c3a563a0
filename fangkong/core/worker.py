"""The task worker (``fangkong worker``): django-tasks-db's worker, a heartbeat, a scheduler.

- **Tasks** are Django's tasks framework (``django.tasks``) stored in the database by
  django-tasks-db: the web process enqueues (an import, a large export), a worker runs them.
- **Heartbeat**: every few seconds each worker writes ``seen_at`` on the board
  (``core.board``), which ``/healthz`` reports.
- **Dead workers' tasks**: a task still "running" whose worker stopped beating (or whose process
  is gone, on this host) is marked failed, and ``tasks_interrupted`` tells the apps, which mark
  their own jobs failed (an import: "interrupted, start it again"). A worker does this when it
  starts and then every ``reap_every`` seconds, so a worker killed with SIGKILL is noticed by the
  next one at once, or by another one within ``stale_after`` seconds.
- **Scheduler**: the periodic jobs (``SCHEDULE``) without cron. Each has a row in
  ``ScheduledJob``; a worker claims a due turn with one conditional UPDATE (``next_run_at <=
  now``) in the transaction that enqueues its task, so with two workers each turn runs once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.dispatch import Signal
from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from fangkong.core import board
from fangkong.core.models import ScheduledJob

logger = logging.getLogger(__name__)

# Sent with ``task_ids`` (a list of django-tasks-db result ids as strings) after those tasks were
# marked failed because their worker died.
tasks_interrupted = Signal()

WORKER_LOST = "fangkong.core.worker.WorkerLost"


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str  # import path of a ``django.tasks.Task``
    every: dt.timedelta


SCHEDULE: tuple[Periodic, ...] = (
    Periodic("missed-checkins", "fangkong.core.periodic.scan_missed_checkins", dt.timedelta(minutes=5)),
    Periodic("report-reminders", "fangkong.core.periodic.remind_late_reports", dt.timedelta(minutes=10)),
    Periodic("expired-uploads", "fangkong.core.periodic.remove_expired_uploads", dt.timedelta(hours=1)),
    Periodic("expired-tokens", "fangkong.core.periodic.remove_expired_tokens", dt.timedelta(hours=1)),
    Periodic("old-task-results", "fangkong.core.periodic.remove_old_task_results", dt.timedelta(days=1)),
    Periodic("old-idempotency-keys", "fangkong.core.periodic.remove_old_idempotency_keys", dt.timedelta(hours=6)),
)  # fmt: skip


def schedule() -> tuple[Periodic, ...]:
    """The schedule, with the intervals ``FANGKONG_SCHEDULE_MINUTES`` overrides (name → minutes)."""
    minutes: dict[str, float] = getattr(settings, "FANGKONG_SCHEDULE_MINUTES", {}) or {}
    return tuple(
        Periodic(p.name, p.task, dt.timedelta(minutes=minutes[p.name])) if p.name in minutes else p
        for p in SCHEDULE
    )


def stale_after() -> float:
    return float(getattr(settings, "FANGKONG_WORKER_STALE_SECONDS", 60))


def schedule_tick(*, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every periodic job that is due; returns the names enqueued by this call."""
    now = now or timezone.now()
    entries = schedule()
    ScheduledJob.objects.bulk_create(
        [ScheduledJob(name=p.name, next_run_at=now) for p in entries], ignore_conflicts=True
    )
    enqueued = []
    for periodic in entries:
        task: Task = import_string(periodic.task)
        with transaction.atomic():
            claimed = ScheduledJob.objects.filter(name=periodic.name, next_run_at__lte=now).update(
                next_run_at=now + periodic.every, last_run_at=now
            )
            if not claimed:
                continue
            result = task.enqueue()
            ScheduledJob.objects.filter(name=periodic.name).update(last_task_id=str(result.id))
        enqueued.append(periodic.name)
    return enqueued


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_dead_workers(*, me: str = "", stale: float | None = None) -> list[str]:
    """Mark failed every task "running" on a worker that is gone; returns their ids."""
    from django_tasks_db.models import DBTaskResult

    stale = stale_after() if stale is None else stale
    beats = board.heartbeats()
    host = socket.gethostname()
    now = timezone.now()
    dead = []
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "worker_ids", "started_at"
    ):
        worker_id = result.worker_ids[-1] if result.worker_ids else ""
        if worker_id and worker_id == me:
            continue
        beat = beats.get(worker_id)
        if beat is None:
            gone = result.started_at is None or (now - result.started_at).total_seconds() > stale
        else:
            gone = beat.age > stale or (beat.hostname == host and not _pid_alive(beat.pid))
        if gone:
            dead.append(result.pk)
    if dead:
        DBTaskResult.objects.filter(pk__in=dead, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=WORKER_LOST,
            traceback="The worker running this task stopped (killed, or its server restarted).",
        )
        logger.warning("tasks of dead workers marked failed: %s", ", ".join(map(str, dead)))
    ids = [str(pk) for pk in dead]
    tasks_interrupted.send(sender=None, task_ids=ids)  # also sweeps jobs stranded otherwise
    board.heartbeats_prune(max(stale * 10, 3600))
    return ids


class Beat(threading.Thread):
    """The worker's second thread: heartbeat, reaping and the scheduler, each on its own clock."""

    def __init__(self, worker_id: str, *, every: float, scheduler: bool, reap_every: float) -> None:
        super().__init__(name="fangkong-beat", daemon=True)
        self.worker_id, self.every, self.scheduler = worker_id, every, scheduler
        self.reap_every = reap_every
        self.started = time.time()
        self.halt = threading.Event()

    def beat(self) -> None:
        board.heartbeat(self.worker_id, pid=os.getpid(), started_at=self.started)

    def run(self) -> None:
        last_reap = time.monotonic()
        while not self.halt.wait(self.every):
            try:
                self.beat()
                if self.scheduler:
                    for name in schedule_tick():
                        logger.info("scheduled %s", name)
                if time.monotonic() - last_reap >= self.reap_every:
                    last_reap = time.monotonic()
                    reap_dead_workers(me=self.worker_id)
            except DatabaseError:  # e.g. SQLite busy under a long import: next time
                logger.warning("worker beat: database busy", exc_info=True)
            except Exception:
                logger.exception("worker beat failed")
            finally:
                close_old_connections()
        board.close()


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"


def run_worker(
    *,
    worker_id: str = "",
    interval: float = 1.0,
    beat_every: float = 5.0,
    scheduler: bool = True,
    batch: bool = False,
    max_tasks: int | None = None,
    queues: str = "*",
) -> None:
    """Run a worker until a signal stops it (or, with ``batch``, until the queue is empty)."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker_id = worker_id or new_worker_id()
    beat = Beat(worker_id, every=beat_every, scheduler=scheduler, reap_every=stale_after() / 2)
    try:
        beat.beat()
        reap_dead_workers(me=worker_id)  # before taking any task: what died with the last worker
        if scheduler:
            schedule_tick()
        worker = Worker(
            queue_names=queues.split(","),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        beat.start()
        worker.configure_signals()
        worker.run()
    finally:
        beat.halt.set()
        if beat.is_alive():
            beat.join(timeout=beat_every + 1)
        try:
            board.heartbeat_remove(worker_id)
        except Exception:
            logger.warning("worker %s: heartbeat not removed", worker_id, exc_info=True)


def worker_health() -> dict[str, Any]:
    """For ``/healthz``: how long since the freshest worker heartbeat."""
    try:
        beats = board.heartbeats()
    except Exception:
        return {"worker": "unknown"}
    if not beats:
        return {"worker": "none"}
    age = min(b.age for b in beats.values())
    return {
        "worker": "ok" if age <= stale_after() else "stale",
        "worker_seen_seconds_ago": round(age, 1),
        "workers": sum(1 for b in beats.values() if b.age <= stale_after()),
    }
