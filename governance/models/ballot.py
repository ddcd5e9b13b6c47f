from django.db import models

from common.fields import AmountField


class Support(models.IntegerChoices):
    AGAINST = 0
    FOR = 1
    ABSTAIN = 2


class Ballot(models.Model):
    """One signed vote; the row keeps everything needed to verify it again offline."""

    proposal = models.ForeignKey("governance.Proposal", on_delete=models.PROTECT)
    voter = models.CharField(max_length=42)
    support = models.PositiveSmallIntegerField(choices=Support.choices)
    reason = models.TextField(blank=True)
    nonce = models.BigIntegerField()
    signature = models.TextField()
    via = models.CharField(max_length=8)  # "ecdsa" or "eip1271"
    weight = AmountField()
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "voter"], name="one_ballot_per_voter")
        ]
        indexes = [models.Index(fields=["proposal", "support"])]

    def __str__(self) -> str:
        return f"{self.voter} {self.get_support_display()} on #{self.proposal_id}"


class Delegation(models.Model):
    """A signed delegation, in force from ``created_at`` until the delegator's next one.

    A delegatee equal to the delegator takes the power back (undelegated power votes for
    its holder).
    """

    delegator = models.CharField(max_length=42)
    delegatee = models.CharField(max_length=42)
    nonce = models.BigIntegerField()
    expiry = models.BigIntegerField()
    signature = models.TextField()
    via = models.CharField(max_length=8)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["delegator", "created_at"])]

    def __str__(self) -> str:
        return f"{self.delegator} -> {self.delegatee}"


class PowerSnapshot(models.Model):
    """One holder's voting power at a proposal's snapshot, and whom it counts for.

    Taken once, when the proposal is created, so power acquired later does not count; the
    rows are also the power part of the tally export.
    """

    proposal = models.ForeignKey("governance.Proposal", on_delete=models.PROTECT)
    address = models.CharField(max_length=42)
    staked = AmountField(default=0)
    token = AmountField(default=0)
    power = AmountField()
    delegate = models.CharField(max_length=42)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "address"], name="one_snapshot_per_holder")
        ]
        indexes = [models.Index(fields=["proposal", "delegate"])]

    def __str__(self) -> str:
        return f"{self.address}={self.power} on #{self.proposal_id}"
