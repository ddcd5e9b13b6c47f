from django.db import models

from common.fields import AmountField


class LedgerAccount(models.Model):
    """A book the ledger posts to. ``balance`` is a cache of the sum of its postings.

    The cache is updated in the same transaction as each posting, under a row lock, and
    ``manage.py ledger_check`` proves it equals the sum. Protected accounts never go negative.
    """

    class Kind(models.TextChoices):
        EXTERNAL = "external", "outside world (per asset)"
        TRADER_BALANCE = "trader_balance", "trader balance (account, asset)"
        TRADER_MARGIN = "trader_margin", "trader margin (account, market)"
        FUND = "fund", "insurance fund"
        FEE_INCOME = "fee_income", "fee income (per asset)"
        STAKER = "staker", "staker (fund, address)"
        CUSTODY = "custody", "custody wallet"
        SOCIALIZED_LOSS = "socialized_loss", "socialized loss (per market)"
        UNCOVERED_DEFICIT = "uncovered_deficit", "uncovered deficit (per market)"
        PAYOUTS_PAYABLE = "payouts_payable", "payouts payable (per fund)"
        COUNTERPARTY = "counterparty", "venue counterparty pool (per market)"

    PROTECTED_KINDS = frozenset(
        {
            Kind.TRADER_BALANCE,
            Kind.TRADER_MARGIN,
            Kind.FUND,
            Kind.FEE_INCOME,
            Kind.STAKER,
            Kind.PAYOUTS_PAYABLE,
        }
    )

    kind = models.CharField(max_length=20, choices=Kind.choices)
    asset = models.ForeignKey("fund.Asset", on_delete=models.PROTECT, related_name="accounts")
    key = models.CharField(max_length=200)
    fund = models.ForeignKey(
        "fund.Fund", null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    balance = AmountField(default=0)
    protected = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "asset", "key"], name="ledger_account_unique"),
            models.CheckConstraint(
                condition=models.Q(protected=False) | models.Q(balance__gte=0),
                name="ledger_account_protected_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key} ({self.asset_id})"
