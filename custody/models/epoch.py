from django.db import models

from common.fields import AmountField


class ReserveEpoch(models.Model):
    """A published reserve proof: pinned blocks, a ledger cut, trees and the signed bundle.

    ``bundle`` is the exact signed JSON text that is served for download, so what auditors
    fetch is byte for byte what was signed.
    """

    number = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cut_seq = models.PositiveBigIntegerField()
    ledger_root = models.CharField(max_length=64, blank=True)
    chains = models.JSONField(default=list)
    digest = models.CharField(max_length=64)
    signer = models.CharField(max_length=42)
    bundle = models.TextField()

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"epoch {self.number} (cut #{self.cut_seq})"


class ReserveFundStatus(models.Model):
    """Per fund and epoch: assets vs liabilities. ``solvent`` None means assets not measured."""

    epoch = models.ForeignKey(ReserveEpoch, on_delete=models.PROTECT, related_name="funds")
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    assets = AmountField(null=True, blank=True)
    liabilities = AmountField()
    solvent = models.BooleanField(null=True)
    staker_root = models.CharField(max_length=64, blank=True)
    staker_total = AmountField(default=0)

    class Meta:
        ordering = ["epoch", "fund"]
        constraints = [
            models.UniqueConstraint(fields=["epoch", "fund"], name="reserve_fund_status_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.epoch_id}/{self.fund_id}: {self.assets} vs {self.liabilities}"
