from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "fangkong.checkpoints"
    verbose_name = _("Checkpoints and passes")

    def ready(self) -> None:
        from fangkong.checkpoints import (  # noqa: F401 - connects and registers
            receivers,
            report_figures,
        )
