from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("errands/", views.errand_list, name="errand_list"),
    path("errands/new/", views.errand_create, name="errand_create"),
    path("errands/totals/", views.errand_totals, name="errand_totals"),
    path("errands/<int:pk>/", views.errand_detail, name="errand_detail"),
    path("errands/<int:pk>/take/", views.errand_take, name="errand_take"),
    path("errands/<int:pk>/assign/", views.errand_assign, name="errand_assign"),
    path("errands/<int:pk>/done/", views.errand_done, name="errand_done"),
    path("errands/<int:pk>/cancel/", views.errand_cancel, name="errand_cancel"),
    path("errands/<int:pk>/repay/", views.errand_repay, name="errand_repay"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/visit/", views.plan_visit, name="plan_visit"),
    path("plans/<int:pk>/end/", views.plan_end, name="plan_end"),
]
