from django.db import models

from common.fields import AmountField


class FundEntry(models.Model):
    """One row per journal entry that moves a fund's balance: its change and the balance after.

    Written in the posting transaction, so the fund's history, the balance at each entry and
    the dashboard read this narrow per-fund index instead of joining postings. ``balance_after``
    is in booking (``seq``) order, the order the overdraft check used.
    """

    # A derived index of the postings, proved equal to them by ``ledger_check``; entries are
    # never deleted and funds with entries cannot be, so no per-row reference check at commit.
    fund = models.ForeignKey(
        "fund.Fund", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    entry = models.ForeignKey(
        "fund.Entry",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=40)
    event_time = models.DateTimeField()
    change = AmountField()
    balance_after = AmountField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fund", "seq"], name="fund_entry_unique"),
        ]
        indexes = [models.Index(fields=["fund", "event_time", "seq"], name="fund_entry_time")]

    def __str__(self) -> str:
        return f"{self.fund_id} #{self.seq} {self.change}"


class FundDay(models.Model):
    """A fund's day (UTC, by event time): net change, closing balance, entries, seq span.

    Kept exact in the posting transaction (decision 011): the chart, ``fund_balance_at`` and
    statements read these rows instead of scanning postings. ``closing`` includes every entry
    with event time before the end of the day; a back-dated entry also moves later closings.
    """

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    net = AmountField(default=0)
    closing = AmountField(default=0)
    entries = models.PositiveIntegerField(default=0)
    first_seq = models.PositiveBigIntegerField()
    last_seq = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["fund", "day"]
        constraints = [models.UniqueConstraint(fields=["fund", "day"], name="fund_day_unique")]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.day} {self.closing}"


class FundDayKind(models.Model):
    """Inflow and outflow of one entry kind on one fund day (both non-negative)."""

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=40)
    inflow = AmountField(default=0)
    outflow = AmountField(default=0)
    entries = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["fund", "day", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "day", "kind"], name="fund_day_kind_unique"),
            models.CheckConstraint(
                condition=models.Q(inflow__gte=0) & models.Q(outflow__gte=0),
                name="fund_day_kind_flows_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.day} {self.kind}"
