from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "fangkong.workforce"
    verbose_name = _("Duty, organisations and red points")

    def ready(self) -> None:
        from fangkong.workforce import (  # noqa: F401 - registers and connects
            receivers,  # household_county_changed
            report_figures,
            services,  # the work_done receiver
        )
