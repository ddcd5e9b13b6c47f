from django.db import models

from common.fields import AmountField


class ProposalState(models.TextChoices):
    PENDING = "pending"
    ACTIVE = "active"
    DEFEATED = "defeated"
    SUCCEEDED = "succeeded"
    QUEUED = "queued"
    EXECUTED = "executed"
    EXPIRED = "expired"
    CANCELED = "canceled"


FINAL_STATES = (
    ProposalState.DEFEATED,
    ProposalState.EXECUTED,
    ProposalState.EXPIRED,
    ProposalState.CANCELED,
)


class Proposal(models.Model):
    """A list of parameter changes put to a vote.

    ``proposal_id`` is keccak-256 of the canonical content (changes, description hash,
    snapshot time), so ballots sign the content, not a row number. Quorum, threshold and
    periods are copied from the governance parameters in force at creation: a later change
    of those parameters does not move an ongoing vote.
    """

    proposal_id = models.CharField(max_length=66, unique=True)
    proposer = models.CharField(max_length=42, db_index=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    description_hash = models.CharField(max_length=66)
    changes = models.JSONField()  # [{"name", "scope", "value"}], values in their text form
    state = models.CharField(
        max_length=16, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    snapshot_at = models.DateTimeField()
    snapshot_block = models.BigIntegerField(null=True, blank=True)
    vote_start = models.DateTimeField()
    vote_end = models.DateTimeField()
    quorum = AmountField()
    vote_threshold = models.DecimalField(max_digits=12, decimal_places=8)
    timelock_delay = models.BigIntegerField()
    grace_period = models.BigIntegerField()
    late_quorum_extension = models.BigIntegerField()
    quorum_reached_at = models.DateTimeField(null=True, blank=True)
    extended = models.BooleanField(default=False)
    eta = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    canceled_by = models.CharField(max_length=42, blank=True)
    cancel_signature = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "vote_end"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title} ({self.state})"
