from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.workforce.models import (
    PartyBranch,
    PointEntry,
    PointRule,
    Post,
    ShiftPattern,
    Team,
    TeamMember,
    Worker,
)


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "party_member", "organisation", "area", "user"]
    list_filter = ["kind", "party_member"]
    search_fields = ["name", "organisation"]
    raw_id_fields = ["area", "resident", "user"]
    exclude = ["phone"]


@admin.register(PartyBranch)
class PartyBranchAdmin(admin.ModelAdmin):
    list_display = ["name", "temporary", "area", "secretary", "set_up_on", "dissolved_on"]
    list_filter = ["temporary"]
    search_fields = ["name"]
    raw_id_fields = ["area", "secretary", "members"]


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    raw_id_fields = ["worker", "serves_in"]
    exclude = ["county"]
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "description"]
    raw_id_fields = ["area", "dispatched_to"]
    inlines = [TeamMemberInline]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "checkpoint", "min_staff"]
    raw_id_fields = ["area", "checkpoint"]


@admin.register(ShiftPattern)
class ShiftPatternAdmin(admin.ModelAdmin):
    list_display = ["name", "starts", "hours"]


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    """The red points scheme per county: a kind of work (the key sent with ``work_done``) and the
    points it earns. County administrators also edit it on /workforce/points/scheme/."""

    list_display = ["county", "kind", "label", "points", "active"]
    list_filter = ["county", "active"]
    list_editable = ["points", "active"]


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    """The ledger is never edited: a secretary adjusts with a reason on the points page."""

    labels = {
        "area": _("area"),
        "worker": _("worker"),
        "user": _("user"),
        "record_type": _("kind of record"),
        "record_id": _("record"),
        "created_at": _("time"),
    }
    list_display = ["day", "kind", "points", "worker", "user", "reason"]
    list_filter = ["kind"]
    date_hierarchy = "day"
    raw_id_fields = ["area", "worker", "user", "by"]
