from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path(
        "households/<int:household_pk>/residents/new/",
        views.resident_create,
        name="resident_create",
    ),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path(
        "reveal/<str:kind>/<int:pk>/<str:field>/",
        views.reveal,
        name="reveal",
    ),
]
