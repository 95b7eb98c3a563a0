from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.registry.models import Household, Resident


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["head_name", "address", "area"]
    raw_id_fields = ["area"]
    search_fields = ["head_name", "address"]
    exclude = ["phone"]


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdmin):
    list_display = ["name", "household", "sex", "birth_date"]
    raw_id_fields = ["household"]
    search_fields = ["name"]
    exclude = ["id_number", "phone"]
