import pytest
from django.core.cache import cache

from fangkong.monitoring.tests.factories import clock  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
