from decimal import Decimal

from django.db import models

from clearing.formulas import Contract

PRICE = {"max_digits": 30, "decimal_places": 10}  # ≤ 15 significant digits stay exact on SQLite


class Market(models.Model):
    """A perpetual market: what the formulas need, and the fund its losses draw on."""

    class Kind(models.TextChoices):
        LINEAR = "linear", "linear (settles in quote)"
        INVERSE = "inverse", "inverse (settles in base coin, USD face value)"

    class RiskMode(models.TextChoices):
        NORMAL = "normal", "normal"
        RESTRICTED = "restricted", "restricted (higher initial margin)"
        REDUCE_ONLY = "reduce_only", "reduce only"

    symbol = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    asset = models.ForeignKey("fund.Asset", on_delete=models.PROTECT, related_name="markets")
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="markets")
    lot = models.DecimalField(**PRICE)
    tick = models.DecimalField(**PRICE)
    face = models.DecimalField(**PRICE, default=Decimal(1))
    mmr = models.DecimalField(max_digits=12, decimal_places=8)
    imr = models.DecimalField(max_digits=12, decimal_places=8, default=Decimal("0"))
    risk_mode = models.CharField(max_length=12, choices=RiskMode.choices, default=RiskMode.NORMAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["symbol"]
        constraints = [
            models.CheckConstraint(condition=models.Q(lot__gt=0), name="market_lot_positive"),
            models.CheckConstraint(condition=models.Q(tick__gt=0), name="market_tick_positive"),
            models.CheckConstraint(
                condition=models.Q(mmr__gte=0, mmr__lt=1), name="market_mmr_range"
            ),
        ]

    def __str__(self) -> str:
        return self.symbol

    @property
    def contract(self) -> Contract:
        return Contract(
            kind=self.kind,
            decimals=self.asset.decimals,
            tick=self.tick.normalize(),
            lot=self.lot.normalize(),
            face=self.face,
        )


class MarkPrice(models.Model):
    """A mark price the venue pushed; rejected ones are kept too, with the reason."""

    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="marks")
    price = models.DecimalField(max_digits=40, decimal_places=10)
    ts = models.DateTimeField()
    accepted = models.BooleanField(default=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["market", "accepted", "ts"])]

    def __str__(self) -> str:
        return f"{self.market_id} {self.price} @ {self.ts:%H:%M:%S}"


class RiskModeChange(models.Model):
    """Each change of a market's risk mode, with the coverage that caused it."""

    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="mode_changes")
    previous = models.CharField(max_length=12, choices=Market.RiskMode.choices)
    mode = models.CharField(max_length=12, choices=Market.RiskMode.choices)
    coverage = models.DecimalField(max_digits=40, decimal_places=12, null=True)
    fund_balance = models.CharField(max_length=80)
    open_interest = models.CharField(max_length=80)
    at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.market_id}: {self.previous} → {self.mode}"
