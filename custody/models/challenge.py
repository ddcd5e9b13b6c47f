from django.db import models


class ControlChallenge(models.Model):
    """A fresh message the wallet's controllers must sign to prove they control it."""

    wallet = models.ForeignKey(
        "custody.TrackedWallet", on_delete=models.PROTECT, related_name="challenges"
    )
    nonce = models.CharField(max_length=64, unique=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    signature = models.TextField(blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"challenge {self.nonce[:8]} for {self.wallet_id}"
