"""Venue API keys: scoped, stored only as a SHA-256, refused when revoked or unknown."""

import hashlib

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from common.exceptions import Invalid
from common.models import ApiKey
from common.services.apikeys import api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db


def auth(text: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {text}"}


def test_whoami_names_the_key_and_its_scopes(venue_key):
    key, text = venue_key
    response = APIClient().get("/api/v1/venue/whoami?scope=ingest", **auth(text))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "name": "venue",
        "prefix": key.prefix,
        "scopes": ["ingest", "risk:read"],
        "has_scope": True,
    }
    key.refresh_from_db()
    assert key.last_used_at is not None
    lacking = APIClient().get("/api/v1/venue/whoami?scope=audit:read", **auth(text))
    assert lacking.json()["has_scope"] is False


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key nosuchprefix.nosuchsecret",
        "Api-Key garbage",
        "Api-Key ",
    ],
)
def test_unknown_key_is_401(header, venue_key):
    response = APIClient().get("/api/v1/venue/whoami", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Api-Key"
    assert response.json()["code"] == "authentication_failed"


def test_right_prefix_wrong_secret_is_401(venue_key):
    key, _ = venue_key
    response = APIClient().get("/api/v1/venue/whoami", **auth(f"{key.prefix}.wrong"))
    assert response.status_code == 401


def test_revoked_key_is_401(venue_key):
    key, text = venue_key
    api_key_revoke(prefix=key.prefix, actor="test")
    response = APIClient().get("/api/v1/venue/whoami", **auth(text))
    assert response.status_code == 401
    assert response.json()["message"] == "API key has been revoked"


def test_staff_session_is_not_an_api_key(staff_factory, verified_client):
    user, device = staff_factory("auditor")
    client = verified_client(user, device)
    assert client.get("/api/v1/venue/whoami").status_code == 401


@pytest.mark.urls("tests.common.testviews")
def test_require_scope_wrong_scope_403_right_scope_200():
    _, risk_only = api_key_create(name="risk reader", scopes=["risk:read"], actor="test")
    _, ingest = api_key_create(name="pusher", scopes=["ingest"], actor="test")
    denied = APIClient().get("/test/scoped", **auth(risk_only))
    assert denied.status_code == 403
    assert denied.json() == {
        "message": "this API key lacks the 'ingest' scope",
        "code": "permission_denied",
        "fields": {},
    }
    assert APIClient().get("/test/scoped", **auth(ingest)).status_code == 200
    assert APIClient().get("/test/scoped").status_code == 401


def test_key_is_never_stored_in_clear(venue_key):
    key, text = venue_key
    prefix, _, secret = text.partition(".")
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM common_apikey")
        apikey_rows = " ".join(str(col) for row in cursor.fetchall() for col in row)
        cursor.execute("SELECT * FROM common_auditentry")
        audit_rows = " ".join(str(col) for row in cursor.fetchall() for col in row)
    assert prefix in apikey_rows and prefix in audit_rows
    for dump in (apikey_rows, audit_rows):
        assert secret not in dump
        assert text not in dump


def test_create_refuses_unknown_or_missing_scopes():
    with pytest.raises(Invalid) as err:
        api_key_create(name="x", scopes=["root"], actor="test")
    assert list(err.value.fields) == ["scopes"]
    with pytest.raises(Invalid):
        api_key_create(name="x", scopes=[], actor="test")
    assert not ApiKey.objects.exists()


def test_apikey_create_command_prints_the_key_once(capsys):
    call_command("apikey_create", "venue one", "--scope", "ingest")
    out = capsys.readouterr().out
    text = out.strip().splitlines()[-1]
    prefix, _, secret = text.partition(".")
    key = ApiKey.objects.get(prefix=prefix)
    assert key.scopes == ["ingest"]
    assert out.count(secret) == 1
    assert "not shown again" in out
    response = APIClient().get("/api/v1/venue/whoami", **auth(text))
    assert response.json()["name"] == "venue one"
    call_command("apikey_revoke", prefix)
    assert APIClient().get("/api/v1/venue/whoami", **auth(text)).status_code == 401
