"""Money leaving a fund: payouts, the staff approvals they need, members' claims, Safe transfers.

A payout is the only way an outflow other than automatic shortfall cover reaches the ledger.
It is booked once, under an advisory lock per fund, when enough distinct staff other than its
creator have approved it (``approvals_required`` is fixed at creation from the governed
``payout_review_threshold`` so a later change of the rule never re-opens a decided payout).
"""

from django.conf import settings
from django.db import models

from common.fields import AmountField


class Payout(models.Model):
    class Kind(models.TextChoices):
        SHORTFALL_REVIEW = "shortfall_review", "shortfall sent to review by the waterfall"
        CLAIM = "claim", "member compensation claim"
        TRANSFER_OUT = "transfer_out", "transfer out of the fund"

    class Status(models.TextChoices):
        PENDING = "pending", "pending approvals"
        APPROVED = "approved", "approved, waiting to be booked"
        BOOKED = "booked", "booked"
        REJECTED = "rejected", "rejected"
        PAUSED = "paused", "paused: reserves do not cover liabilities"

    OPEN = (Status.PENDING, Status.APPROVED, Status.PAUSED)

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="payouts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = AmountField()
    # Exactly one recipient: a ledger account inside the books, or an outside address.
    recipient_account = models.ForeignKey(
        "fund.LedgerAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_address = models.CharField(max_length=42, blank=True)
    chain_id = models.PositiveBigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    created_by = models.CharField(max_length=200)  # a username, or "system:clearing"
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    loss_time = models.DateTimeField(null=True, blank=True)
    approvals_required = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=500, blank=True)  # why it waits, is paused or rejected
    idempotency_key = models.CharField(max_length=200, unique=True)
    data = models.JSONField(default=dict, blank=True)
    entry = models.OneToOneField(
        "fund.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="payout"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    booked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["fund", "kind", "status", "loss_time"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=(
                    models.Q(recipient_account__isnull=False, recipient_address="")
                    | (
                        models.Q(recipient_account__isnull=True, chain_id__isnull=False)
                        & ~models.Q(recipient_address="")
                    )
                ),
                name="payout_one_recipient",
            ),
            models.CheckConstraint(
                condition=models.Q(status="booked", entry__isnull=False)
                | (~models.Q(status="booked") & models.Q(entry__isnull=True)),
                name="payout_booked_has_entry",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="claim") | models.Q(loss_time__isnull=False),
                name="payout_claim_has_loss_time",
            ),
        ]

    def __str__(self) -> str:
        return f"payout #{self.pk} {self.kind} {self.amount} ({self.status})"

    @property
    def recipient(self) -> str:
        if self.recipient_account_id:
            return f"{self.recipient_account.kind}:{self.recipient_account.key}"
        return f"{self.recipient_address} (chain {self.chain_id})"


class PayoutApproval(models.Model):
    """One staff member's approval; the unique pair makes a repeat by the same person a no-op."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "user"], name="payout_approval_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} approved payout #{self.payout_id}"


class Claim(models.Model):
    """A member's request for compensation; an approved claim becomes a ``claim`` payout."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "submitted"
        APPROVED = "approved", "approved (payout created)"
        REJECTED = "rejected", "rejected"

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="claims")
    member_address = models.CharField(max_length=42, db_index=True)
    amount = AmountField()
    loss_time = models.DateTimeField()
    evidence = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    review_note = models.CharField(max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    payout = models.OneToOneField(
        Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="claim"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["loss_time", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="claim_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"claim #{self.pk} {self.member_address} {self.amount} ({self.status})"


class PayoutSafeTx(models.Model):
    """The Safe transaction that pays an outside-address payout, and what the chain says of it.

    ``safe_tx_hash`` is the EIP-712 hash the owners sign; the stored fields are everything needed
    to rebuild the SafeTx. ``settled_entry`` moves the amount from payouts payable to the outside
    world once the execution is seen at a confirmed block.
    """

    class Status(models.TextChoices):
        AWAITING_SIGNATURES = "awaiting", "awaiting owner signatures"
        EXECUTED = "executed", "executed on chain"
        FAILED = "failed", "executed but failed; needs a new transaction"

    payout = models.OneToOneField(Payout, on_delete=models.PROTECT, related_name="safe_tx")
    chain_id = models.PositiveBigIntegerField()
    safe_address = models.CharField(max_length=42)
    token_address = models.CharField(max_length=42)
    nonce = models.PositiveBigIntegerField()
    data = models.CharField(max_length=2000)  # the ERC-20 transfer call, 0x hex
    safe_tx_hash = models.CharField(max_length=66, unique=True)
    from_block = (
        models.PositiveBigIntegerField()
    )  # the head when built: logs are searched from here
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.AWAITING_SIGNATURES
    )
    tx_hash = models.CharField(max_length=66, blank=True)
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    block_hash = models.CharField(max_length=66, blank=True)
    settled_entry = models.OneToOneField(
        "fund.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chain_id", "safe_address", "nonce"], name="safe_tx_nonce"
            )
        ]

    def __str__(self) -> str:
        return f"safe tx {self.safe_tx_hash[:10]}… for payout #{self.payout_id}"
