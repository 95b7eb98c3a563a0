"""``GET /healthz``: for the county's monitoring (and the reverse proxy's health check).

200 ``{"status": "ok", ...}`` when the database answers; 503 when it does not. No login, no
personal data, nothing that changes; the task worker's last heartbeat is reported, not required
(a web server without its worker still serves pages).
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
    return JsonResponse({"status": "ok", "database": connection.vendor})
