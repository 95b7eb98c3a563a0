"""Settings for the check-in benchmark only: production settings plus a bare baseline view.

The product's URLs are untouched; ``checkins_urls`` adds ``/bench/bare/`` in front of them."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "checkins_urls"
