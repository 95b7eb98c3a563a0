from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fangkong.core.admin import ReadOnlyAdmin
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
class HouseholdVisitAdmin(ReadOnlyAdmin):
    list_display = ["household", "round", "visited_on", "outcome", "latest"]
    list_filter = ["outcome", "method"]
    raw_id_fields = ["round", "household", "by"]

    @admin.display(description=_("latest visit"), boolean=True)
    def latest(self, visit: HouseholdVisit) -> bool:
        return visit.is_latest
