from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("settings/", views.report_settings, name="settings"),
    path("village/<int:pk>/", views.village_report, name="village_report"),
    path("village/<int:pk>/amend/", views.village_amend, name="village_amend"),
    path("area/<int:pk>/", views.area_rollup, name="area_rollup"),
    path("figure/<str:key>/<int:pk>/", views.figure_records, name="figure_records"),
    path("village/<int:pk>/remind/", views.remind, name="remind"),
    path("area/<int:pk>/sheet/", views.sheet_send, name="sheet_send"),
    path(
        "amendment/<str:kind>/<int:pk>/acknowledge/",
        views.amendment_acknowledge,
        name="amendment_acknowledge",
    ),
    path("area/<int:pk>/export/", views.area_export, name="area_export"),
    path("area/<int:pk>/dashboard/", views.dashboard, name="dashboard"),
]
