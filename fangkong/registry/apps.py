from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fangkong.registry"
    verbose_name = _("Register")

    def ready(self) -> None:
        # The import jobs listen to the task worker's "tasks interrupted" (a killed worker).
        from fangkong.registry import export_jobs  # noqa: F401
        from fangkong.registry.importing import jobs  # noqa: F401
