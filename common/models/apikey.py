from django.db import models


class ApiKey(models.Model):
    """A venue or auditor API key. Only a SHA-256 of the secret is stored; the key is shown once.

    The presented key is ``<prefix>.<secret>``; the prefix finds the row, the hash proves it.
    """

    SCOPES = (
        ("ingest", "push fills, marks and closes"),
        ("risk:read", "read risk modes and ADL queue"),
        ("audit:read", "bulk export for auditors"),
    )

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
