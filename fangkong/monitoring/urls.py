from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.today, name="today"),
    path("batch/", views.checkin_batch, name="checkin_batch"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/confirm/", views.case_confirm, name="case_confirm"),
    path("cases/<int:pk>/release/", views.case_release, name="case_release"),
    path("cases/<int:pk>/end/", views.case_end_early, name="case_end_early"),
    path("cases/<int:pk>/end/undo/", views.case_end_undo, name="case_end_undo"),
    path("cases/<int:pk>/extend/", views.case_extend, name="case_extend"),
    path("cases/<int:pk>/checkin/", views.checkin_create, name="checkin_create"),
    path("cases/<int:pk>/link/", views.case_link, name="case_link"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_handle, name="alert_handle"),
]
urlpatterns += [
    path("sheets/", views.case_sheets, name="case_sheets"),
    path("help/", views.my_village_help, name="my_village_help"),
    path("help/<int:pk>/", views.village_help, name="village_help"),
]
