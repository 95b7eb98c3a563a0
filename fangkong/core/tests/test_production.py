"""Production serving: the README's environment passes ``check --deploy``, CSP with no inline
script, no-store on personal pages, the health endpoint and the real client address."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from fangkong.core.middleware import RealClientAddressMiddleware

ROOT = Path(settings.BASE_DIR)
ENV_FILE = ROOT / "config" / "production.env.example"


def production_env() -> dict[str, str]:
    """The documented environment, with real keys in place of the placeholders."""
    env: dict[str, str] = {}
    for line in ENV_FILE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    env["FANGKONG_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["FANGKONG_FIELD_KEY"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return env


def test_the_readme_documents_the_production_environment():
    readme = (ROOT / "README.md").read_text()
    for line in ENV_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert line.split("=")[0] in readme


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FANGKONG_", "DATABASE"))}
    env = (
        base
        | production_env()
        | {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "FANGKONG_VAR_DIR": str(tmp_path),
        }
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "fangkong", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    # and without it, the same check names what is missing
    bare = base | {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "FANGKONG_VAR_DIR": str(tmp_path),
    }
    warned = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "fangkong", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=bare,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert warned.returncode != 0 and "SECURE_HSTS_SECONDS" in warned.stderr + warned.stdout


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_handler():
    offenders = []
    for path in (ROOT / "fangkong").rglob("*.html"):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER):
            for match in pattern.finditer(text):
                snippet = match.group(0)
                if 'type="application/json"' in snippet:  # json_script data, not code
                    continue
                offenders.append(f"{path.relative_to(ROOT)}: {snippet[:60]}")
    assert offenders == []


def test_pages_send_csp_and_no_store(client, users, tree):
    client.force_login(users["county_admin"])
    for url in ["/", "/register/households/", f"/reports/area/{tree['county'].pk}/dashboard/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
        assert "no-store" in response["Cache-Control"], url
        body = response.content.decode()
        assert not INLINE_SCRIPT.search(body.replace('type="application/json"', 'src=""')), url
    api = client.get("/api/v1/households/")
    assert "no-store" in api["Cache-Control"]


def test_health_answers_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("peer", "forwarded", "seen"),
    [
        ("10.0.0.5", "203.0.113.7, 10.0.0.5", "203.0.113.7"),  # through the trusted proxy
        ("10.0.0.5", "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # a forged left entry ignored
        ("192.0.2.9", "203.0.113.7", "192.0.2.9"),  # not from the proxy: the header is ignored
        ("10.0.0.5", "not-an-address", "10.0.0.5"),
    ],
)
def test_the_real_client_address_comes_from_a_trusted_proxy_only(settings, peer, forwarded, seen):
    settings.FANGKONG_TRUSTED_PROXIES = ["10.0.0.0/24"]
    seen_by_view: list[str] = []

    def view(request):
        seen_by_view.append(request.META["REMOTE_ADDR"])
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    RealClientAddressMiddleware(view)(request)
    assert seen_by_view == [seen]
