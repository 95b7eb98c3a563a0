from django.urls import path

from . import views

app_name = "workforce"
urlpatterns = [
    path("", views.today, name="today"),
    path("assignments/<int:pk>/clock-in/", views.clock, {"action": "in"}, name="clock_in"),
    path("assignments/<int:pk>/clock-out/", views.clock, {"action": "out"}, name="clock_out"),
    path("assignments/<int:pk>/swap/", views.swap, name="swap"),
    path("assignments/<int:pk>/call/", views.call_partner, name="call_partner"),
    path("roster/", views.roster, name="roster"),
    path("roster/new/", views.roster_new, name="roster_new"),
    path("shifts/<int:pk>/assign/", views.shift_assign, name="shift_assign"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.worker_detail, name="worker_detail"),
    path("organisations/", views.organisations, name="organisations"),
    path("points/", views.points, name="points"),
    path("points/scheme/", views.points_scheme, name="points_scheme"),
]
