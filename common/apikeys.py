"""DRF authentication and permission for API keys (``Authorization: Api-Key <prefix>.<secret>``)."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from common.models import ApiKey
from common.services.apikeys import hash_secret

KEYWORD = "Api-Key"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyPrincipal:
    """The request.user for a key: not a Django user, never staff, carries the key's scopes."""

    is_authenticated = True
    is_staff = False
    is_superuser = False
    is_anonymous = False

    def __init__(self, key: ApiKey):
        self.key = key
        self.scopes = set(key.scopes)
        self.username = f"apikey:{key.name}"
        # Not a user row: a string pk keeps throttles per key and fails loudly in a user query.
        self.pk = f"apikey:{key.pk}"

    def __str__(self) -> str:
        return self.username


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(KEYWORD + " "):
            return None
        token = header[len(KEYWORD) + 1 :].strip()
        prefix, _, secret = token.partition(".")
        key = ApiKey.objects.filter(prefix=prefix).first() if prefix and secret else None
        if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
            raise exceptions.AuthenticationFailed("invalid API key")
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("API key has been revoked")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            # At most one write per key per minute on the ingest hot path.
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request) -> str:
        return KEYWORD


def require_scope(scope: str) -> type[permissions.BasePermission]:
    """Permission class allowing only API keys that carry ``scope``."""

    class HasScope(permissions.BasePermission):
        message = f"this API key lacks the '{scope}' scope"

        def has_permission(self, request, view) -> bool:
            user = request.user
            if not isinstance(user, ApiKeyPrincipal):
                raise exceptions.NotAuthenticated(
                    f"an API key with the '{scope}' scope is required"
                )
            return scope in user.scopes

    HasScope.__name__ = f"HasScope_{scope.replace(':', '_')}"
    return HasScope


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the API key scheme in the OpenAPI schema (and the docs' Authorize button)."""

    target_class = "common.apikeys.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"`{KEYWORD} <prefix>.<secret>` as printed once by apikey_create",
        }
