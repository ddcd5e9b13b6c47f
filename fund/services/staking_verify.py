"""Proving the staking caches: pool totals, positions and locks equal their histories."""

from __future__ import annotations

from collections import defaultdict

from fund.models import ShareEvent, StakePool, StakePosition, UnstakeRequest
from fund.models.staking import PROTOCOL
from fund.services.ledger_verify import LedgerProblem


def staking_verify() -> LedgerProblem | None:
    """The first mismatch between a cached figure and what the history says, or None.

    Per fund: total shares = sum of share events = protocol shares + positions' shares; per
    position: shares = its share events, locked shares = its pending unstake requests.
    """
    events: dict[tuple[int, str], int] = defaultdict(int)
    for fund_id, holder, delta in ShareEvent.objects.values_list("fund_id", "holder", "delta"):
        events[(fund_id, holder)] += delta
    pending: dict[tuple[int, str], int] = defaultdict(int)
    rows = UnstakeRequest.objects.filter(status=UnstakeRequest.Status.PENDING)
    for fund_id, address, shares in rows.values_list("fund_id", "address", "shares"):
        pending[(fund_id, address)] += shares
    held: dict[int, int] = defaultdict(int)
    for position in StakePosition.objects.order_by("fund_id", "address").iterator():
        key, where = (position.fund_id, position.address), f"stake {position}"
        if position.shares != events.get(key, 0):
            return LedgerProblem(where, f"shares {position.shares} ≠ events {events.get(key, 0)}")
        if position.locked_shares != pending.get(key, 0):
            return LedgerProblem(where, f"locked {position.locked_shares} ≠ pending requests")
        held[position.fund_id] += position.shares
    for pool in StakePool.objects.order_by("fund_id"):
        where = f"stake pool of fund {pool.fund_id}"
        history = sum(v for (fund_id, _), v in events.items() if fund_id == pool.fund_id)
        if pool.total_shares != history:
            return LedgerProblem(where, f"total {pool.total_shares} ≠ share events {history}")
        if pool.protocol_shares != events.get((pool.fund_id, PROTOCOL), 0):
            return LedgerProblem(where, "protocol shares ≠ protocol share events")
        if pool.total_shares != pool.protocol_shares + held[pool.fund_id]:
            return LedgerProblem(where, "total ≠ protocol shares + stakers' shares")
    return None
