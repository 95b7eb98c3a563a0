import pytest
from django.core.cache import cache

from fangkong.monitoring.tests.factories import clock  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def volunteer(tree):
    """A volunteer on duty in 前进村 (checkpoint staff stand for volunteers)."""
    from fangkong.accounts.models import Role
    from fangkong.accounts.tests.factories import UserFactory

    return UserFactory(username="volunteer", role=Role.CHECKPOINT_STAFF, area=tree["qianjin"])
