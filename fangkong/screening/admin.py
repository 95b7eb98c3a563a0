from django.contrib import admin

from fangkong.screening.models import HouseholdVisit, RiskArea, ScreeningRound


@admin.register(RiskArea)
class RiskAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "code", "valid_from", "valid_to"]
    list_filter = ["level"]
    search_fields = ["name", "code"]


@admin.register(ScreeningRound)
class ScreeningRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "started_on", "ended_on"]
    raw_id_fields = ["area", "created_by"]
    search_fields = ["name"]


@admin.register(HouseholdVisit)
class HouseholdVisitAdmin(admin.ModelAdmin):
    list_display = ["household", "round", "visited_on", "outcome", "is_latest"]
    list_filter = ["outcome", "method"]
    raw_id_fields = ["round", "household", "by"]
