"""The periodic jobs the worker's scheduler enqueues (``core.worker.SCHEDULE``): thin shells over
each app's own service, so the command line, the pages and the scheduler do the same thing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

# How long an expired or revoked API token stays listed on its owner's profile page.
TOKEN_KEEP = dt.timedelta(days=30)
TASK_RESULTS_KEEP = dt.timedelta(days=14)


@task
def scan_missed_checkins() -> int:
    """Missed check-in alerts for every county, even when nobody opens the pages."""
    from fangkong.areas.models import Area
    from fangkong.monitoring.services import alerts_scan_missed

    return sum(
        alerts_scan_missed(area=county, days=2)
        for county in Area.objects.filter(parent__isnull=True)
    )


@task
def remind_late_reports() -> int:
    """催报 in the hour before each county's deadline to villages that have not reported."""
    from fangkong.reports.services import reminders_send_due

    return reminders_send_due()


@task
def remove_expired_uploads() -> int:
    """Uploaded sheets never imported (a preview left, a crash) go after their time."""
    from fangkong.core import uploads

    return uploads.remove_expired_uploads()


@task
def remove_expired_tokens() -> int:
    """API tokens expired or revoked more than ``TOKEN_KEEP`` ago are deleted (a revoked or
    expired token never authenticates anyway; this keeps the table and the profile page short)."""
    from fangkong.accounts.models import ApiToken

    cut = timezone.now() - TOKEN_KEEP
    deleted, _ = ApiToken.objects.filter(Q(expires_at__lt=cut) | Q(revoked_at__lt=cut)).delete()
    return deleted


@task
def remove_old_task_results() -> int:
    """The worker's own records of finished tasks, after two weeks."""
    from django_tasks_db.models import DBTaskResult

    cut = timezone.now() - TASK_RESULTS_KEEP
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cut).delete()
    return deleted


@task
def remove_old_idempotency_keys() -> int:
    """The answers kept for retried writes (``core.idempotency``), after a week."""
    from fangkong.core.idempotency import idempotency_keys_purge

    return idempotency_keys_purge()
