from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "fangkong.checkpoints"
    verbose_name = _("Checkpoints and passes")

    def ready(self) -> None:
        from fangkong.checkpoints import report_figures  # noqa: F401 - registers the figures
