"""Share arithmetic of staking, in integers only; every division rounds against the actor.

OpenZeppelin's ERC-4626 defence against share-price inflation: a virtual offset of
``SHARE_OFFSET`` shares and one unit of the asset take part in every conversion, so the first
depositor can never make a later deposit round to zero shares by donating to the fund
(docs/decisions/061). One smallest unit of the asset starts at ``SHARE_OFFSET`` shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

SHARE_OFFSET = 10**6


def shares_for(amount: int, *, total: int, balance: int) -> int:
    """Shares minted for ``amount`` paid in (rounded down: against the staker)."""
    return amount * (total + SHARE_OFFSET) // (balance + 1)


def value_of(shares: int, *, total: int, balance: int) -> int:
    """What ``shares`` are worth in the asset (rounded down: against the holder).

    The sum over any split of ``total`` is at most ``balance``, because
    ``total * (balance + 1) / (total + SHARE_OFFSET) < balance + 1``.
    """
    return shares * (balance + 1) // (total + SHARE_OFFSET)


def share_price(*, total: int, balance: int) -> Fraction:
    """Value of ``SHARE_OFFSET`` shares in smallest units (1 when nothing has happened yet)."""
    return Fraction((balance + 1) * SHARE_OFFSET, total + SHARE_OFFSET)


@dataclass(frozen=True)
class PoolState:
    """A fund's shares and balance, with the protocol's not yet minted shares included."""

    total: int
    protocol: int
    balance: int
    minted: int = 0  # protocol shares this state adds to the stored pool

    @property
    def staker_shares(self) -> int:
        return self.total - self.protocol

    def value_of(self, shares: int) -> int:
        return value_of(shares, total=self.total, balance=self.balance)

    def shares_for(self, amount: int) -> int:
        return shares_for(amount, total=self.total, balance=self.balance)


def pool_state(*, total: int, protocol: int, balance: int, protocol_revenue: int) -> PoolState:
    """Bring stored totals up to date with the fund's balance and unsplit revenue.

    A fund with a balance but no shares belongs to the protocol: it gets the shares that
    balance would buy in an empty pool. ``protocol_revenue`` is the protocol's part of fee
    take and surplus booked since the last split; it becomes protocol shares priced as if that
    revenue had not arrived, so the stakers' value does not move by it (rounded down: against
    the protocol).
    """
    if total == 0:
        minted = shares_for(balance, total=0, balance=0)
    else:
        revenue = min(protocol_revenue, balance)
        minted = shares_for(revenue, total=total, balance=balance - revenue)
    return PoolState(
        total=total + minted, protocol=protocol + minted, balance=balance, minted=minted
    )
