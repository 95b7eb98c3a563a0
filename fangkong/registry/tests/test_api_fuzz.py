"""schemathesis against our own OpenAPI schema: no generated request may produce a 5xx, and
every answer is documented (status code, content type) and matches its declared body.

Requests go through the WSGI application in-process, as a village cadre with a token, so they
see the test database (households and residents of 前进村 exist to hit real objects).
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.accounts.tokens import api_token_issue
from fangkong.areas.tests.factories import build_tree
from fangkong.core.clock import today_local
from fangkong.monitoring import services as monitoring_services
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory
from fangkong.screening.tests.factories import RiskAreaFactory, RoundFactory

_schema_dict = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(_schema_dict)
schema.app = get_wsgi_application()


# Not about time, but its objects are "yesterday's" and the fuzzed dates meet "today" (a future
# day is refused): started at a steady office hour, a run cannot straddle midnight.
pytestmark = pytest.mark.usefixtures("steady_clock")


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI app closes "old" connections at the end of each request; in a test, that one is
    inside the test's transaction, so PostgreSQL would lose it (in-memory SQLite never closes).
    Django's own test client turns these handlers off the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db) -> str:
    tree = build_tree()
    cadre = UserFactory(username="fuzz", role=Role.VILLAGE_CADRE, area=tree["qianjin"])
    residents = [
        ResidentFactory(household=HouseholdFactory(area=tree["qianjin_g1"])) for _ in range(3)
    ]
    # Monitoring objects to hit: a case under observation, a fever check-in and its open alert.
    # Yesterday: its morning check-in is open whatever the hour the tests run.
    yesterday = today_local() - dt.timedelta(days=1)
    case = monitoring_services.case_open(
        by=cadre, resident=residents[0], category="returnee", mode="home", start_date=yesterday
    )
    monitoring_services.checkin_record(
        case=case, by=cadre, temperature="38.0", day=yesterday, slot=1
    )
    ResidentFactory(household=HouseholdFactory(area=tree["baiyun_g1"]))
    RiskAreaFactory()
    RoundFactory(area=tree["qianjin"], created_by=cadre)  # so round ids can hit a real round
    return api_token_issue(user=cadre)[1]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, token):
    checks = [not_a_server_error, status_code_conformance, content_type_conformance]
    if (case.method, case.path) not in BODY_NOT_YET_CONFORMING:
        checks.append(response_schema_conformance)
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=checks)


# Every answer's body is checked against the schema (a far-past report day, whose deadline fell
# in Asia/Shanghai's local mean time, is now refused as on the pages).
BODY_NOT_YET_CONFORMING: set[tuple[str, str]] = set()
