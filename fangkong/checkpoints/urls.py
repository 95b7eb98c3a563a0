from django.urls import path

from . import views

app_name = "checkpoints"
urlpatterns = [
    path("", views.checkpoint_list, name="list"),
    path("new/", views.checkpoint_form, name="create"),
    path("<int:pk>/", views.desk, name="desk"),
    path("<int:pk>/edit/", views.checkpoint_form, name="edit"),
    path("<int:pk>/check/", views.desk_check, name="desk_check"),
    path("<int:pk>/scan/", views.scan, name="scan"),
    path("<int:pk>/pending/<int:pre_pk>/", views.pending_confirm, name="pending_confirm"),
    path("<int:pk>/poster/", views.poster, name="poster"),
    path("passages/", views.passage_list, name="passage_list"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/<int:pk>/propose/", views.referral_propose, name="referral_propose"),
    path("passes/", views.pass_list, name="pass_list"),
    path("passes/new/<int:household_pk>/", views.pass_create, name="pass_create"),
    path("passes/<int:pk>/", views.pass_detail, name="pass_detail"),
]
