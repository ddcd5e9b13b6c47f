from django.db import models

from common.fields import AmountField


class ChainObservation(models.Model):
    """Something read from a chain at a block: the block is kept so a reorg can be detected.

    A row whose block hash no longer matches the chain is not deleted but marked ``rewound_at``
    (the history of what was believed stays auditable); selectors skip rewound rows.
    """

    wallet = models.ForeignKey("custody.TrackedWallet", on_delete=models.PROTECT)
    block_number = models.PositiveBigIntegerField()
    block_hash = models.CharField(max_length=66)
    read_at = models.DateTimeField(auto_now_add=True)
    rewound_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class SafeReading(ChainObservation):
    version = models.CharField(max_length=20)
    owners = models.JSONField()
    threshold = models.PositiveSmallIntegerField()
    nonce = models.PositiveBigIntegerField()
    modules = models.JSONField(default=list)
    guard = models.CharField(max_length=42)
    fallback_handler = models.CharField(max_length=42)
    singleton = models.CharField(max_length=42)

    class Meta:
        ordering = ["wallet", "-block_number", "-id"]
        default_related_name = "safe_readings"

    def __str__(self) -> str:
        return f"{self.wallet_id}@{self.block_number}: {self.threshold}/{len(self.owners)}"


class BalanceReading(ChainObservation):
    """A balance of one token (``""`` for the chain's native coin) at a block."""

    token = models.CharField(max_length=42, blank=True)
    symbol = models.CharField(max_length=20)
    amount = AmountField()

    class Meta:
        ordering = ["wallet", "token", "-block_number", "-id"]
        default_related_name = "balance_readings"
        indexes = [models.Index(fields=["wallet", "token", "block_number"])]

    def __str__(self) -> str:
        return f"{self.wallet_id} {self.symbol} {self.amount}@{self.block_number}"
