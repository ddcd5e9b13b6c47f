from django.db import models

from common.fields import AmountField


class Entry(models.Model):
    """A journal entry: postings summing to zero per asset, hash-chained, never changed.

    ``seq`` is gap-free in commit order (assigned under the chain-head lock), so proofs and
    epoch cuts can rely on it; ``key`` makes every booking idempotent; ``digest`` is the hash of
    the content alone, to tell a harmless retry from a conflicting reuse of a key.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    fund = models.ForeignKey(
        "fund.Fund",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,  # the (fund, event_time) index serves it
        db_constraint=False,  # checked per statement by a trigger (decision 016)
    )
    event_time = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    memo = models.CharField(max_length=500, blank=True)
    data = models.JSONField(null=True, blank=True)
    digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "entries"
        # Each index costs every insert on the hot path; these are the ones a query uses
        # (a constraint, unlike unique=True, adds no second pattern index for LIKE).
        constraints = [models.UniqueConstraint(fields=["key"], name="fund_entry_key_unique")]
        indexes = [models.Index(fields=["fund", "event_time"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.key}"


class Posting(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="postings")
    # Account and asset are checked per statement by a trigger, the account's asset included,
    # instead of a foreign key checked per row at commit (decision 016).
    account = models.ForeignKey(
        "fund.LedgerAccount",
        on_delete=models.PROTECT,
        related_name="postings",
        db_index=False,  # the (account, entry) index serves it
        db_constraint=False,
    )
    asset = models.ForeignKey(
        "fund.Asset",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    amount = AmountField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="posting_amount_non_zero"),
        ]
        indexes = [models.Index(fields=["account", "entry"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


class LedgerHead(models.Model):
    """The single row whose lock orders the chain (decision 012); the tip is read from Entry."""

    def __str__(self) -> str:
        return "ledger head"
