"""The product's URLs plus the baselines, benchmark only: a bare Django view (no database) and the
true limits (``limits``: the same database work by hand, no ORM or DRF)."""

import limits
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # it takes the same POST as the API (which is CSRF-exempt under token auth)
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/limit/checkins/", limits.checkin),
    path("bench/limit/passages/", limits.passage),
    path("bench/limit/visits/", limits.visit),
    path("", include("config.urls")),
]
