from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "fangkong.measures"
    verbose_name = _("Field measures")

    def ready(self) -> None:
        from fangkong.measures import report_figures  # noqa: F401 - registers the figures
