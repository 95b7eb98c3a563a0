from django.urls import path

from . import views

app_name = "measures"
urlpatterns = [
    path("", views.index, name="index"),
    path("disinfection/", views.disinfection, name="disinfection"),
    path("disinfection/places/new/", views.place_create, name="place_create"),
    path(
        "disinfection/places/<int:pk>/record/",
        views.disinfection_record,
        name="disinfection_record",
    ),
    path("gatherings/", views.gathering_list, name="gathering_list"),
    path("gatherings/new/", views.gathering_create, name="gathering_create"),
    path("gatherings/<int:pk>/outcome/", views.gathering_outcome, name="gathering_outcome"),
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/new/", views.venue_create, name="venue_create"),
    path("venues/<int:pk>/check/", views.venue_check, name="venue_check"),
    path("publicity/", views.publicity_list, name="publicity_list"),
    path("publicity/new/", views.publicity_create, name="publicity_create"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/finding/", views.finding_add, name="finding_add"),
    path(
        "inspections/<int:pk>/accountability/", views.accountability_add, name="accountability_add"
    ),
    path("findings/<int:pk>/close/", views.finding_close, name="finding_close"),
]
