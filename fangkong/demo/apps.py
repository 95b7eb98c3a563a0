from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo county: ``fangkong load_demo`` calls each app's own ``demo`` module in turn (the
    register first, then the capabilities built on it). Nothing imports this app."""

    name = "fangkong.demo"
    verbose_name = _("Demo")
