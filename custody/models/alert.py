from django.conf import settings
from django.db import models


class CustodyAlert(models.Model):
    """Something an admin must look at: a Safe's control changed, a reorg, reserves short."""

    class Kind(models.TextChoices):
        OWNER_ADDED = "owner_added", "owner added"
        OWNER_REMOVED = "owner_removed", "owner removed"
        THRESHOLD_LOWERED = "threshold_lowered", "threshold lowered"
        MODULE_ADDED = "module_added", "module added"
        GUARD_CHANGED = "guard_changed", "guard changed"
        FALLBACK_CHANGED = "fallback_changed", "fallback handler changed"
        SINGLETON_CHANGED = "singleton_changed", "Safe implementation changed"
        REORG = "reorg", "chain reorganised below a reading"
        RESERVES_SHORT = "reserves_short", "assets below liabilities"
        PROOF_FAILED = "proof_failed", "an epoch failed its own verification"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    wallet = models.ForeignKey(
        "custody.TrackedWallet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    fund = models.ForeignKey(
        "fund.Fund", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.CharField(max_length=300)
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"
