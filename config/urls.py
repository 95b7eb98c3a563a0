from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from fangkong.accounts import views as account_views
from fangkong.care import views as care_views
from fangkong.checkpoints import views as checkpoint_views
from fangkong.core.health import healthz
from fangkong.monitoring import views as monitoring_views

urlpatterns = [
    # First: the API's hot writes (a check-in, a passage, a visit) are resolved on every call
    # (issue 19: behind every page's pattern, resolving one cost more than its SQL).
    path("api/v1/", include("config.api_urls")),
    path("", account_views.home, name="home"),
    path("accounts/", include("fangkong.accounts.urls")),
    path("areas/", include("fangkong.areas.urls")),
    path("register/", include("fangkong.registry.urls")),
    path("screening/", include("fangkong.screening.urls")),
    path("monitoring/", include("fangkong.monitoring.urls")),
    path("reports/", include("fangkong.reports.urls")),
    path("checkpoints/", include("fangkong.checkpoints.urls")),
    path("workforce/", include("fangkong.workforce.urls")),
    # The personal self-report link: public by design (no account), see monitoring.views.
    path("r/<str:token>/", monitoring_views.self_report, name="self_report"),
    # A checkpoint's self-registration poster: public by design (no account), rate-limited.
    path("k/<str:token>/", checkpoint_views.self_register, name="self_register"),
    # Where a household pass's QR code leads (staff log in).
    path("p/<str:token>/", checkpoint_views.pass_check, name="pass_check"),
    path("care/", include("fangkong.care.urls")),
    path("supplies/", include("fangkong.supplies.urls")),
    path("measures/", include("fangkong.measures.urls")),
    # The personal self-report link: public by design (no account), see monitoring.views.
    path("r/<str:token>/", monitoring_views.self_report, name="self_report"),
    path("r/<str:token>/errand/", care_views.errand_request_public, name="errand_request"),
    path("audit/", include("fangkong.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
handler404 = "fangkong.core.views.not_found"  # JSON under /api/
