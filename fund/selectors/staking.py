"""Reads of staking: pool state, holdings, voting power at a snapshot, values for proofs."""

from __future__ import annotations

import math
from datetime import datetime
from fractions import Fraction

from django.db.models import Max
from django.utils import timezone

from fund.models import (
    Entry,
    Fund,
    LedgerAccount,
    OnchainDeposit,
    Posting,
    ShareEvent,
    StakePool,
    StakePosition,
    UnstakeRequest,
)
from fund.selectors.ledger import fund_balance, postings_sum
from fund.staking_math import PoolState, pool_state
from governance.selectors.params import param_get

REVENUE_KINDS = ("fee_take", "liquidation_surplus")


def protocol_revenue_since(fund: Fund, *, seq: int, at: datetime) -> tuple[int, int]:
    """(protocol's part of revenue booked after ``seq``, last seq looked at).

    ``staker_revenue_share`` in force at ``at`` decides the split; the protocol's part is
    rounded down, so any remainder accrues to everyone's share price.
    """
    last = Entry.objects.aggregate(last=Max("seq"))["last"] or 0
    revenue = postings_sum(
        Posting.objects.filter(
            account__kind=LedgerAccount.Kind.FUND,
            account__key=fund.name,
            account__asset_id=fund.asset_id,
            entry__kind__in=REVENUE_KINDS,
            entry__seq__gt=seq,
            entry__seq__lte=last,
        )
    )
    share = Fraction(param_get("staker_revenue_share", fund=fund.name, at=at))
    protocol_part = math.floor((1 - share) * revenue)  # exact at any size, rounded down
    return protocol_part, last


def pool_now(fund: Fund, *, at: datetime) -> tuple[PoolState, int]:
    """The pool as it stands, unsplit revenue included; and the seq that covers."""
    pool = StakePool.objects.filter(fund=fund).first()
    total, protocol, seq = (
        (pool.total_shares, pool.protocol_shares, pool.revenue_seq) if pool else (0, 0, 0)
    )
    revenue, last = protocol_revenue_since(fund, seq=seq, at=at)
    state = pool_state(
        total=total, protocol=protocol, balance=fund_balance(fund), protocol_revenue=revenue
    )
    return state, last


def staked_shares_at(*, address: str, at: datetime) -> int:
    """Staked shares of ``address`` at ``at``, across funds: governance voting power.

    Shares bought after ``at`` do not count. Shares under a pending unstake request still
    count until they are withdrawn: they stay in the fund and bear its losses until then
    (docs/decisions/063).
    """
    deltas = ShareEvent.objects.filter(holder=address.lower(), at__lte=at).values_list(
        "delta", flat=True
    )
    return sum(deltas)


def staker_values(*, fund: Fund) -> list[tuple[str, int]]:
    """(address, current value rounded down) of every staker with shares; for reserve proofs.

    The values sum to at most the fund's balance (see ``staking_math.value_of``).
    """
    state, _ = pool_now(fund, at=timezone.now())
    rows = (
        StakePosition.objects.filter(fund=fund)
        .exclude(shares=0)
        .order_by("address")
        .values_list("address", "shares")
    )
    return [(address, state.value_of(shares)) for address, shares in rows]


def positions_of(*, address: str) -> list[StakePosition]:
    return list(
        StakePosition.objects.filter(address=address.lower())
        .exclude(shares=0, points=0)
        .select_related("fund", "fund__asset")
        .order_by("fund__name")
    )


def unstakes_of(*, address: str, status: str | None = None) -> list[UnstakeRequest]:
    rows = UnstakeRequest.objects.filter(address=address.lower()).select_related(
        "fund", "fund__asset"
    )
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("-requested_at", "-id"))


def onchain_deposits_open(*, address: str) -> list[OnchainDeposit]:
    """Transfers the member sent to a fund's Safe that are not staked yet (newest first)."""
    rows = OnchainDeposit.objects.filter(from_address=address.lower(), stake__isnull=True)
    return list(rows.select_related("fund", "fund__asset").order_by("-block_number", "-id"))


def stakers_count(fund: Fund) -> int:
    return StakePosition.objects.filter(fund=fund).exclude(shares=0).count()
