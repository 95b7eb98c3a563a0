from django.urls import path

from . import views

app_name = "supplies"
urlpatterns = [
    path("", views.index, name="index"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/<int:pk>/correct/", views.entry_correct, name="entry_correct"),
    path("items/new/", views.item_create, name="item_create"),
    path("stores/new/", views.store_create, name="store_create"),
    path("stores/<int:pk>/", views.store_detail, name="store_detail"),
    path("stores/<int:pk>/<str:kind>/", views.movement, name="movement"),
    path("donations/", views.donation_list, name="donation_list"),
    path("donations/new/", views.donation_create, name="donation_create"),
    path("donations/<int:pk>/receipt/", views.donation_receipt, name="donation_receipt"),
]
