from django.urls import path

from . import transfer_views, views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/move-in/", views.household_move_in, name="household_move_in"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path(
        "households/<int:household_pk>/residents/new/",
        views.resident_create,
        name="resident_create",
    ),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("import/", transfer_views.import_upload, name="import_upload"),
    path("import/template.xlsx", transfer_views.import_template, name="import_template"),
    path("import/<str:token>/", transfer_views.import_preview, name="import_preview"),
    path("import/<str:token>/status/", transfer_views.import_status, name="import_status"),
    path("import/<str:token>/errors.xlsx", transfer_views.import_errors, name="import_errors"),
    path("export/", transfer_views.export_page, name="export"),
    path("export/<str:token>/", transfer_views.export_status, name="export_status"),
    path("export/<str:token>/file/", transfer_views.export_download, name="export_download"),
    path(
        "reveal/<str:kind>/<int:pk>/<str:field>/",
        views.reveal,
        name="reveal",
    ),
]
