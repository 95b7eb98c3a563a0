from django.contrib import admin

from fangkong.checkpoints.models import Checkpoint, HouseholdPass, Passage
from fangkong.core.admin import ReadOnlyAdmin


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "opens_at", "closes_at", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    raw_id_fields = ["area"]


@admin.register(Passage)
class PassageAdmin(ReadOnlyAdmin):
    list_display = ["at", "checkpoint", "direction", "subject", "plate", "name", "outcome"]
    list_filter = ["outcome", "direction", "subject"]
    date_hierarchy = "day"
    raw_id_fields = ["checkpoint", "household_pass", "resident", "case", "by"]
    exclude = ["phone", "id_number"]  # encrypted: shown masked on the pages, never here


@admin.register(HouseholdPass)
class HouseholdPassAdmin(ReadOnlyAdmin):
    list_display = ["number", "household", "valid_from", "valid_until", "revoked_at"]
    search_fields = ["number"]
    raw_id_fields = ["household", "holders"]
