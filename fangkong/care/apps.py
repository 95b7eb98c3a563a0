from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "fangkong.care"
    verbose_name = _("Care for people at home")

    def ready(self) -> None:
        from fangkong.care import receivers, report_figures  # noqa: F401 - registers them
