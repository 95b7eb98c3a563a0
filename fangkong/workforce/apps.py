from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "fangkong.workforce"
    verbose_name = _("Duty, organisations and red points")

    def ready(self) -> None:
        from fangkong.workforce import (
            report_figures,  # noqa: F401 - registers the figures
            services,  # noqa: F401 - connects the work_done receiver
        )
