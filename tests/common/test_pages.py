"""Public pages, security headers, /healthz and the demo."""

import socket

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from common.middleware import CSP
from common.models import ApiKey, AuditEntry

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_home_shows_navigation(client):
    response = client.get("/")
    assert response.status_code == 200
    for label in (b"Funds", b"Markets", b"Governance", b"Reserves", b"Sign in with wallet"):
        assert label in response.content
    assert b"vendor/htmx.min.js" in response.content


@pytest.mark.parametrize("path", ["/", "/staff/login/", "/api/docs/", "/healthz"])
def test_security_headers(client, path):
    response = client.get(path)
    assert response["Content-Security-Policy"] == CSP
    assert "script-src 'self'" in CSP and "frame-ancestors 'none'" in CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_api_docs_are_served_from_our_own_origin(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/venue/whoami" in schema["paths"]


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": True, "vendor": "postgresql"}
    assert checks["broker"]["ok"] is True and checks["broker"]["transport"] == "redis"


def test_healthz_with_a_live_rpc(client, anvil_url):
    with override_settings(ETH_RPC_URLS={31337: anvil_url}):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["rpc:31337"]["ok"] is True
    assert isinstance(response.json()["checks"]["rpc:31337"]["block"], int)


def test_healthz_with_a_dead_rpc_is_503(client):
    with override_settings(ETH_RPC_URLS={1: f"http://127.0.0.1:{closed_port()}"}):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["rpc:1"]["ok"] is False
    assert "Connection refused" in body["checks"]["rpc:1"]["error"]
    assert body["checks"]["database"]["ok"] is True


def test_healthz_with_a_dead_broker_is_503(client):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert response.json()["checks"]["broker"]["error"]


def test_demo_is_idempotent(settings, tmp_path, capsys):
    settings.DEMO_DIR = tmp_path
    call_command("demo")
    first = capsys.readouterr().out
    assert "demo loaded" in first
    assert "admin / backstop-demo-admin" in first
    counts = (get_user_model().objects.count(), ApiKey.objects.count(), AuditEntry.objects.count())
    key_text = (tmp_path / "demo-venue-api-key.txt").read_text()
    call_command("demo")
    assert "demo loaded" in capsys.readouterr().out
    again = (get_user_model().objects.count(), ApiKey.objects.count(), AuditEntry.objects.count())
    assert again == counts
    assert (tmp_path / "demo-venue-api-key.txt").read_text() == key_text
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.check_password("backstop-demo-admin")
    call_command("audit_verify")


def test_demo_replaces_a_key_file_this_database_does_not_know(settings, tmp_path):
    settings.DEMO_DIR = tmp_path
    (tmp_path / "demo-venue-api-key.txt").write_text("stale.key\n")
    call_command("demo")
    prefix = (tmp_path / "demo-venue-api-key.txt").read_text().partition(".")[0]
    assert ApiKey.objects.filter(prefix=prefix, revoked_at=None).exists()


def test_api_schema_has_no_warnings(tmp_path):
    # The style guide's rule: every API view documents itself well enough for drf-spectacular
    # to raise no warning (unique serializer names, resolvable fields, known authenticators).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/venue/whoami" in (tmp_path / "s.yml").read_text()
