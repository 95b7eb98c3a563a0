from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "fangkong.monitoring"
    verbose_name = _("Key-person monitoring")

    def ready(self) -> None:
        from fangkong.monitoring import (  # noqa: F401 - connects and registers
            receivers,
            report_figures,
        )
