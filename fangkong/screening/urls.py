from django.urls import path

from . import views

app_name = "screening"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("new/", views.round_create, name="round_create"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/close/", views.round_close, name="round_close"),
    path("<int:pk>/unvisited/", views.unvisited, name="unvisited"),
    path("<int:pk>/visit/<int:household_pk>/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("risk-areas/", views.risk_areas, name="risk_areas"),
    path("risk-areas/<int:pk>/", views.risk_area_edit, name="risk_area_edit"),
    path("lists/", views.list_index, name="list_index"),
    path("lists/upload/", views.list_upload, name="list_upload"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/feedback.xlsx", views.list_feedback, name="list_feedback"),
    path("lists/<int:pk>/deadline/", views.list_deadline, name="list_deadline"),
    path("lists/tasks/", views.entry_tasks, name="entry_tasks"),
    path("lists/entries/<int:pk>/", views.entry_close, name="entry_close"),
]
