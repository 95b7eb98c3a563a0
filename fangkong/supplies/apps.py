from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "fangkong.supplies"
    verbose_name = _("Supplies and donations")

    def ready(self) -> None:
        from fangkong.supplies import report_figures  # noqa: F401 - registers the figures
