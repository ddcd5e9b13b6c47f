"""Staking: members' shares of an insurance fund, unstake requests, reward epochs.

The money itself stays in the fund's ledger account; these tables only say who owns which
part of it (docs/decisions/060). Shares are integers; ``StakePool`` is the per-fund row every
staking change locks, and ``ShareEvent`` is the append-only history that voting power at a
snapshot and the share-price chart are read from.
"""

from django.db import models

from common.fields import AmountField

PROTOCOL = "protocol"  # holder name of the protocol's own shares (the non-staker part)


class StakePool(models.Model):
    """Share totals of one fund; locked (select_for_update) by every staking change."""

    fund = models.OneToOneField("fund.Fund", on_delete=models.PROTECT, related_name="stake_pool")
    total_shares = AmountField(default=0)  # stakers' shares + protocol shares
    protocol_shares = AmountField(default=0)
    revenue_seq = models.PositiveBigIntegerField(
        default=0
    )  # last ledger seq whose revenue is split

    def __str__(self) -> str:
        return f"pool {self.fund_id}: {self.total_shares} shares"


class StakePosition(models.Model):
    """One member's shares in one fund, with reward points accrued up to ``accrued_at``."""

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="stakes")
    address = models.CharField(max_length=42)  # lowercase 0x address
    shares = AmountField(default=0)
    locked_shares = AmountField(default=0)  # shares in pending unstake requests
    points = AmountField(default=0)  # reward points accrued, all time
    points_published = AmountField(default=0)  # part of ``points`` already in a closed epoch
    accrued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fund", "address"], name="stake_position_unique"),
            # 0 <= locked_shares <= shares: a PostgreSQL CHECK (migration 0008), since SQLite
            # stores amounts as text and would compare them as strings.
        ]

    def __str__(self) -> str:
        return f"{self.address} in {self.fund_id}: {self.shares}"

    @property
    def free_shares(self) -> int:
        return self.shares - self.locked_shares


class OnchainDeposit(models.Model):
    """A transfer of the fund's asset to the fund's Safe, as custody's indexer saw it.

    Staking from it needs ``confirmed_block`` (set once the transfer has enough
    confirmations); each transfer can back one stake only.
    """

    tx_hash = models.CharField(max_length=66, unique=True)  # lowercase 0x + 64 hex
    chain_id = models.PositiveBigIntegerField()
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    from_address = models.CharField(max_length=42)  # lowercase
    amount = AmountField()
    block_number = models.PositiveBigIntegerField()
    confirmed_block = models.PositiveBigIntegerField(null=True, blank=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.tx_hash


class StakeDeposit(models.Model):
    """One stake: an amount in, shares out. ``client_key`` makes a retried request a replay."""

    class Source(models.TextChoices):
        BALANCE = "balance", "member's ledger balance"
        ONCHAIN = "onchain", "confirmed on-chain transfer"

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=42)
    client_key = models.CharField(max_length=100)
    source = models.CharField(max_length=10, choices=Source.choices)
    onchain = models.OneToOneField(
        OnchainDeposit, null=True, blank=True, on_delete=models.PROTECT, related_name="stake"
    )
    amount = AmountField()
    shares = AmountField()
    at = models.DateTimeField()
    entry = models.ForeignKey("fund.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["address", "client_key"], name="stake_deposit_client_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"stake {self.amount} by {self.address}"


class UnstakeRequest(models.Model):
    """Shares set aside for withdrawal; paid ``min(value_at_request, value at withdrawal)``."""

    class Status(models.TextChoices):
        PENDING = "pending"
        WITHDRAWN = "withdrawn"
        CANCELLED = "cancelled"

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=42)
    shares = AmountField()
    value_at_request = AmountField()
    requested_at = models.DateTimeField()
    available_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    closed_at = models.DateTimeField(null=True, blank=True)
    paid = AmountField(null=True, blank=True)
    client_key = models.CharField(max_length=100, blank=True)  # of the withdrawal
    entry = models.ForeignKey(
        "fund.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["fund", "address", "status"])]

    def __str__(self) -> str:
        return f"unstake {self.shares} by {self.address} ({self.status})"


class ShareEvent(models.Model):
    """Append-only history of share changes; sums up to any moment give holdings then."""

    class Kind(models.TextChoices):
        STAKE = "stake"
        UNSTAKE = "unstake"
        PROTOCOL = "protocol"  # protocol shares for the fund's non-staker balance or revenue

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    holder = models.CharField(max_length=42)  # lowercase address, or PROTOCOL
    kind = models.CharField(max_length=10, choices=Kind.choices)
    delta = AmountField()
    total_after = AmountField()  # the pool's total shares right after this event
    balance_after = AmountField()  # the fund's balance right after this event
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["holder", "at"]), models.Index(fields=["fund", "at"])]

    def __str__(self) -> str:
        return f"{self.holder} {self.delta:+d} ({self.kind})"


class RewardEpoch(models.Model):
    """A closed reward period of a fund and its Merkle distribution root."""

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    root = models.CharField(max_length=66)
    total = AmountField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fund", "number"], name="reward_epoch_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} epoch {self.number}"


class RewardLeaf(models.Model):
    """One (index, address, amount) of an epoch's distribution, as the distributor sees it."""

    epoch = models.ForeignKey(RewardEpoch, on_delete=models.PROTECT, related_name="leaves")
    index = models.PositiveIntegerField()
    address = models.CharField(max_length=42)
    amount = AmountField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["epoch", "index"], name="reward_leaf_index_unique"),
            models.UniqueConstraint(fields=["epoch", "address"], name="reward_leaf_address_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.amount}"
