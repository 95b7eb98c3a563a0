from django.contrib import admin

from fangkong.registry.models import Household, Resident


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["head_name", "address", "area"]
    raw_id_fields = ["area"]
    search_fields = ["head_name", "address"]
    exclude = ["phone"]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["name", "household", "sex", "birth_date"]
    raw_id_fields = ["household"]
    search_fields = ["name"]
    exclude = ["id_number", "phone"]
