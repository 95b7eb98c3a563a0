from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "code", "tree_path"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    @admin.display(description=_("place in the tree"), ordering="path")
    def tree_path(self, area: Area) -> str:
        return area.path
