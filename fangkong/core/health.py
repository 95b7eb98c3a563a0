"""``GET /healthz``: for the county's monitoring (and the reverse proxy's health check).

200 ``{"status": "ok", ...}`` when the database answers; 503 when it does not. No login, no
personal data, nothing that changes. The task worker's freshest heartbeat is reported
(``worker``: ok / stale / none, ``worker_seen_seconds_ago``), not required (a web server without
its worker still serves pages) unless the monitor asks ``/healthz?worker=1``.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    from fangkong.core.worker import worker_health

    health = {"status": "ok", "database": connection.vendor} | worker_health()
    # The monitor may insist on a live task worker: /healthz?worker=1 answers 503 without one.
    if request.GET.get("worker") and health["worker"] != "ok":
        return JsonResponse(health | {"status": "error"}, status=503)
    return JsonResponse(health)
