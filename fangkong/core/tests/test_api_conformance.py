"""What the schemathesis conformance run found, each pinned by a test: the schema documents the
shared refusals, the answers match their declared shapes, a missing field is a 400."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from fangkong.monitoring.tests.factories import resident_in


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_operation_documents_the_shared_refusals(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "403"} <= codes, (method, path)
            if path != "/api/v1/auth/token/":
                assert "401" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)


def test_a_write_with_an_idempotency_key_documents_the_422(schema):
    operation = schema["paths"]["/api/v1/ledger/hand-out/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    assert "422" in operation["responses"]


def test_lists_answered_whole_are_not_declared_as_pages(schema):
    body = schema["paths"]["/api/v1/ledger/transfer/"]["post"]["responses"]["201"]
    assert body["content"]["application/json"]["schema"]["type"] == "array"


def test_an_open_alerts_blank_action_is_in_the_schema(schema):
    action = schema["components"]["schemas"]["Alert"]["properties"]["action"]
    choices = [
        value
        for option in action.get("oneOf", [action])
        for value in schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[-1]]["enum"]
    ]
    assert "" in choices and "hospital" in choices


def test_a_case_without_mode_is_a_400_not_a_500(users, tree):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(users["cadre"])
    resident = resident_in(tree["qianjin_g1"])
    body = {"resident": resident.pk, "category": "returnee", "start_date": "2020-02-01"}
    response = api.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400 and "mode" in response.json()
    stranger = APIClient()
    stranger.force_authenticate(users["stranger"])
    refused = stranger.post("/api/v1/cases/", {**body, "mode": "home"}, format="json")
    assert refused.status_code == 400 and "resident" in refused.json()


def test_anonymous_is_a_401_with_the_scheme_to_use(db):
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Token"


def test_an_id_the_url_patterns_refuse_is_a_json_404(users):
    api = APIClient()
    api.force_authenticate(users["cadre"])
    response = api.get("/api/v1/households/a.b/")
    assert response.status_code == 404 and response.headers["Content-Type"] == "application/json"
    assert "detail" in response.json()
