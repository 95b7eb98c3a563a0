"""A NUL character in any text a request brings is a clear 400, never a 500 (PostgreSQL refuses
NUL in text). The cleaning is tested on every database; the end-to-end writes on PostgreSQL."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from fangkong.core.middleware import _has_nul
from fangkong.registry.models import Household

MESSAGE = "请求中含有 NUL 字符"


@pytest.mark.parametrize(
    "request_",
    [
        RequestFactory().get("/register/households/", {"q": "王\x00"}),
        RequestFactory().get("/register/households/?q=%00"),
        RequestFactory().post(
            "/register/households/new/", "address=a%00b", "application/x-www-form-urlencoded"
        ),
        RequestFactory().post(
            "/api/v1/households/", '{"address": ["x", {"k": "\\u0000"}]}', "application/json"
        ),
        RequestFactory().get("/k/abc\x00/"),
    ],
)
def test_nul_is_found_wherever_the_text_comes_from(request_):
    assert _has_nul(request_)


@pytest.mark.parametrize(
    "request_",
    [
        RequestFactory().get("/register/households/", {"q": "王小明"}),
        RequestFactory().post(
            "/api/v1/households/", '{"address": "\\\\u0000"}', "application/json"
        ),
        RequestFactory().post("/api/v1/households/", "{broken", "application/json"),
    ],
)
def test_ordinary_text_passes(request_):
    assert not _has_nul(request_)


def _writes(users, tree, client):
    """The same three doors, on whichever database the suite runs."""
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(users["grid_worker"])
    body = {"area": tree["qianjin_g1"].pk, "address": "前进村\x009号", "head_name": "赵六"}
    response = api.post("/api/v1/households/", body, format="json")
    assert response.status_code == 400 and MESSAGE in response.json()["detail"]
    response = api.get("/api/v1/households/", {"search": "赵\x00"})
    assert response.status_code == 400
    client.force_login(users["grid_worker"])
    form = {"area": tree["qianjin_g1"].pk, "address": "x\x00", "head_name": "赵六"}
    page = client.post(
        "/register/households/new/",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 400 and MESSAGE in page.content.decode()
    # a multipart form (one with a file field) reaches the form, whose text fields refuse NUL
    page = client.post("/register/households/new/", form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code in {200, 400} and "空字符" in page.content.decode()
    assert client.get("/k/abc%00/").status_code == 400  # the public poster's token
    # the stranger of another village is refused the same way, before any lookup
    api.force_authenticate(users["stranger"])
    assert api.get("/api/v1/households/", {"search": "\x00"}).status_code == 400
    assert not Household.objects.exists()


def test_nul_in_writes_is_a_400(users, tree, client):
    _writes(users, tree, client)


@pytest.mark.postgresql
def test_nul_in_writes_is_a_400_on_postgresql(users, tree, client):
    from django.db import connection

    assert connection.vendor == "postgresql"
    _writes(users, tree, client)
