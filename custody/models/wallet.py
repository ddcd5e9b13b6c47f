from django.db import models


class TrackedWallet(models.Model):
    """An address that holds a fund's money: a Safe multisig or a plain account (EOA)."""

    class Kind(models.TextChoices):
        SAFE = "safe", "Safe multisig"
        EOA = "eoa", "plain account"

    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42, help_text="EIP-55 checksummed")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="wallets")
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chain_id", "address"]
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="tracked_wallet_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.kind} {self.chain_id}:{self.address}"
