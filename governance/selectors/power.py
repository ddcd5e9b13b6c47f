"""Voting power: staked fund shares plus the governance token, fixed at a snapshot.

Staked shares come from ``fund.selectors.staking.staked_shares_at`` (the fund app's staking);
while that module is absent, staked power is zero and only the token counts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime

from governance import chain
from governance.conf import governance_config
from governance.models import Delegation, Member


@dataclass(frozen=True)
class HolderPower:
    address: str
    staked: int
    token: int
    delegate: str

    @property
    def power(self) -> int:
        return self.staked + self.token


def staked_shares_at(*, address: str, at: datetime) -> int:
    try:
        staking = importlib.import_module("fund.selectors.staking")
    except ImportError:
        return 0
    reader = getattr(staking, "staked_shares_at", None)
    return int(reader(address=address, at=at)) if reader else 0


def delegates_at(at: datetime) -> dict[str, str]:
    """Each delegator's delegatee in force at ``at`` (their latest delegation by then)."""
    rows = (
        Delegation.objects.filter(created_at__lte=at)
        .order_by("created_at", "id")
        .values_list("delegator", "delegatee")
    )
    return dict(rows.iterator())


def power_candidates(at: datetime) -> set[str]:
    """Addresses whose power is snapshotted: members and both sides of any delegation."""
    addresses = set(Member.objects.filter(first_seen_at__lte=at).values_list("address", flat=True))
    for delegator, delegatee in Delegation.objects.filter(created_at__lte=at).values_list(
        "delegator", "delegatee"
    ):
        addresses.update((delegator, delegatee))
    return addresses


def holder_power(
    *, address: str, at: datetime, block: int | None, delegates: dict[str, str]
) -> HolderPower:
    """One holder's power at the snapshot; may call the chain, so never inside a transaction."""
    token = governance_config().token
    token_balance = chain.token_balance_at(token, address, block) if token and block else 0
    return HolderPower(
        address=address,
        staked=staked_shares_at(address=address, at=at),
        token=token_balance,
        delegate=delegates.get(address, address),
    )
