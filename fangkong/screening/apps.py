from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "fangkong.screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from fangkong.screening import report_figures  # noqa: F401 - registers the figures
