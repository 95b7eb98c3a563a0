from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:parent_pk>/add/", views.area_add, name="area_add"),
]
