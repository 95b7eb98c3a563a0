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
]
