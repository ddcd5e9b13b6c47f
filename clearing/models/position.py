from django.db import models

from clearing.models.market import PRICE
from common.fields import AmountField


class Position(models.Model):
    """One isolated-margin position of an account in a market.

    A mark finds the positions it makes liquidatable (long: liq ≥ mark, short: liq ≤ mark)
    through ``trigger_key``: the liquidation price for a long and its negative for a short,
    indexed per market over open positions. Both sides become tail ranges of one column
    (long: key ≥ mark; short: −mark ≤ key < 0), so PostgreSQL's statistics on the key estimate
    them well and the planner picks the index (decision 020). A socialized loss charged to
    the position moves its entry price (decision 022), so its PnL, liquidation and
    bankruptcy prices all carry the charge.
    """

    class Side(models.TextChoices):
        LONG = "long", "long"
        SHORT = "short", "short"

    class Status(models.TextChoices):
        OPEN = "open", "open"
        TAKEN_OVER = "taken_over", "taken over by the liquidation engine"
        CLOSED = "closed", "closed"

    account = models.CharField(max_length=100)
    market = models.ForeignKey(
        "clearing.Market", on_delete=models.PROTECT, related_name="positions"
    )
    side = models.CharField(max_length=5, choices=Side.choices)
    qty = models.DecimalField(**PRICE)
    entry_price = models.DecimalField(**PRICE)
    margin = AmountField(default=0)
    liquidation_price = models.DecimalField(**PRICE, null=True)
    bankruptcy_price = models.DecimalField(**PRICE, null=True)
    trigger_key = models.DecimalField(**PRICE, null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "market"],
                condition=~models.Q(status="closed"),
                name="position_one_live_per_account_market",
            ),
            models.CheckConstraint(
                condition=models.Q(qty__gte=0), name="position_qty_non_negative"
            ),
        ]
        indexes = [
            models.Index(
                fields=["market", "trigger_key"],
                condition=models.Q(status="open"),
                name="position_open_liq_idx",
            ),
            models.Index(fields=["market", "status"], name="position_market_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.side} {self.qty} {self.market_id}"


class Fill(models.Model):
    """A venue fill, unique by the venue's id; ``digest`` tells a retry from a conflicting reuse."""

    venue_id = models.CharField(max_length=100, unique=True)
    digest = models.CharField(max_length=64)
    account = models.CharField(max_length=100)
    market = models.ForeignKey("clearing.Market", on_delete=models.PROTECT, related_name="fills")
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="fills")
    side = models.CharField(max_length=4)
    qty = models.DecimalField(**PRICE)
    price = models.DecimalField(**PRICE)
    fee = AmountField(default=0)
    margin = AmountField(default=0)
    realized_pnl = AmountField(default=0)
    ts = models.DateTimeField()
    entry_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.venue_id
