from fangkong.monitoring.tests.factories import clock  # noqa: F401 - a fixture
