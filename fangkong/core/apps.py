from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangkong.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from fangkong.core import keycheck

        post_migrate.connect(keycheck.on_post_migrate, sender=self)
