"""Venue and auditor API keys: created with a one-time secret, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from common.exceptions import Invalid, NotFound
from common.models import ApiKey
from common.services.audit import audit_log_write

VALID_SCOPES = {scope for scope, _ in ApiKey.SCOPES}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, name: str, scopes: list[str], actor: str) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key text, which is never retrievable again."""
    unknown = sorted(set(scopes) - VALID_SCOPES)
    if unknown:
        raise Invalid.field(
            "scopes",
            f"unknown scope(s) {', '.join(unknown)}; valid: {', '.join(sorted(VALID_SCOPES))}",
        )
    if not scopes:
        raise Invalid.field("scopes", "at least one scope is required")
    if not name.strip():
        raise Invalid.field("name", "must not be empty")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name.strip(),
            prefix=prefix,
            secret_hash=hash_secret(secret),
            scopes=sorted(set(scopes)),
            created_by=actor,
        )
        audit_log_write(
            actor=actor,
            action="backstop.common.apikey.created",
            object_type="apikey",
            object_id=key.pk,
            after={"name": key.name, "scopes": key.scopes, "prefix": prefix},
        )
    return key, f"{prefix}.{secret}"


def api_key_revoke(*, prefix: str, actor: str) -> ApiKey:
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(prefix=prefix).first()
        if key is None:
            raise NotFound.field("prefix", f"no API key with prefix {prefix!r}")
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit_log_write(
                actor=actor,
                action="backstop.common.apikey.revoked",
                object_type="apikey",
                object_id=key.pk,
            )
    return key
