from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "fangkong.screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from fangkong.screening import (  # noqa: F401 - connects and registers
            receivers,
            report_figures,
        )
