"""DRF authentication and permission for API keys (``Authorization: Api-Key <prefix>.<secret>``)."""

from __future__ import annotations

import hmac

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from common.models import ApiKey
from common.services.apikeys import hash_secret

KEYWORD = "Api-Key"


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
        self.pk = None

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
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
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
