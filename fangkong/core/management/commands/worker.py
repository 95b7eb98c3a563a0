"""``fangkong worker``: run the tasks (imports, large exports) and the scheduled jobs.

One or more per server (``make serve`` and ``make demo`` start one); see README "Running a county
server". It marks failed what a killed worker left "running", beats on the board every few
seconds (``/healthz`` shows it) and enqueues the periodic jobs when due, without cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fangkong.core import worker


class Command(BaseCommand):
    help = "Run the task worker with its scheduler (imports, exports, periodic jobs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="idle poll, seconds")
        parser.add_argument("--beat", type=float, default=5.0, help="heartbeat, seconds")
        parser.add_argument("--queue-name", default="*", help="queues, comma-separated (all: *)")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="run tasks only, enqueue no periodic job"
        )
        parser.add_argument(
            "--batch", action="store_true", help="run what is queued, then exit (cron, tests)"
        )
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default="", help="unique per worker (default: made)")

    def handle(self, *args: Any, **options: Any) -> None:
        worker.run_worker(
            worker_id=options["worker_id"],
            interval=options["interval"],
            beat_every=options["beat"],
            scheduler=not options["no_scheduler"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            queues=options["queue_name"],
        )
