from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/", views.area_edit, name="area_edit"),
    path("<int:parent_pk>/add/", views.area_add, name="area_add"),
    path("import/", views.import_upload, name="import"),
    path("import/apply/", views.import_apply, name="import_apply"),
]
