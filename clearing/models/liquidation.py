from django.db import models

from clearing.models.market import PRICE
from common.fields import AmountField


class Liquidation(models.Model):
    """A taken-over position: the snapshot at takeover, then the venue's close, then settlement."""

    class Status(models.TextChoices):
        TAKEN_OVER = "taken_over", "taken over, awaiting close"
        CLOSED = "closed", "closed by the venue, awaiting settlement"
        SETTLED = "settled", "settled"

    position = models.OneToOneField(
        "clearing.Position", on_delete=models.PROTECT, related_name="liquidation"
    )
    market = models.ForeignKey(
        "clearing.Market", on_delete=models.PROTECT, related_name="liquidations"
    )
    account = models.CharField(max_length=100)
    side = models.CharField(max_length=5)
    qty = models.DecimalField(**PRICE)
    entry_price = models.DecimalField(**PRICE)
    margin = AmountField()
    liquidation_price = models.DecimalField(**PRICE)
    bankruptcy_price = models.DecimalField(**PRICE, null=True)
    mark_price = models.DecimalField(**PRICE)
    taken_over_at = models.DateTimeField()
    close_price = models.DecimalField(**PRICE, null=True)
    closed_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TAKEN_OVER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["market", "status", "closed_at", "id"])]

    def __str__(self) -> str:
        return f"liquidation {self.pk} {self.account} {self.market_id}"


class Settlement(models.Model):
    """How one liquidation's equity was split, with everything needed to recompute it.

    ``inputs`` holds the prices, sizes, fund state and limits; ``params`` the parameter values
    with their version ids (``null`` for a declared default); ``entry_ids`` the journal entries.
    """

    liquidation = models.OneToOneField(
        Liquidation, on_delete=models.PROTECT, related_name="settlement"
    )
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="settlements")
    settled_at = models.DateTimeField()  # event time: the close time
    policy = models.CharField(max_length=10)
    inputs = models.JSONField()
    params = models.JSONField()
    equity = AmountField()
    shortfall = AmountField(default=0)
    cover_available = AmountField(default=0)
    fund_delta = AmountField(default=0)
    trader_return = AmountField(default=0)
    socialized = AmountField(default=0)
    deficit = AmountField(default=0)
    review = AmountField(default=0)
    legs = models.JSONField(default=list)
    adl = models.JSONField(default=list)
    socialized_charges = models.JSONField(default=list)
    entry_ids = models.JSONField(default=list)
    review_payout = models.OneToOneField(
        "fund.Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["fund", "settled_at"])]

    def __str__(self) -> str:
        return f"settlement of liquidation {self.liquidation_id}"
