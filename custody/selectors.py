"""Reads of custody state for pages, the API and other apps (payouts ask ``payouts_paused``)."""

from __future__ import annotations

import json
from functools import lru_cache

from django.db.models import QuerySet

from backstop_verify.bundle import staker_tree
from backstop_verify.sumtree import SumTree, proof_to_json, verify_sum_inclusion
from custody.models import (
    BalanceReading,
    ControlChallenge,
    CustodyAlert,
    ReserveEpoch,
    ReserveFundStatus,
    SafeReading,
    TrackedWallet,
)
from fund.models import Fund


def payouts_paused(fund: Fund) -> bool:
    """True when the latest epoch measured the fund's assets below its liabilities.

    Like Aave's circuit breaker on a Chainlink proof-of-reserve feed: automatic payouts stop
    until an epoch shows the reserves again. An epoch that could not measure assets (no chain
    configured) does not pause; a node outage publishes no epoch, so the last verdict stands.
    """
    status = ReserveFundStatus.objects.filter(fund=fund).order_by("-epoch__number").first()
    return bool(status and status.solvent is False)


def epochs_recent(limit: int = 20) -> QuerySet[ReserveEpoch]:
    return ReserveEpoch.objects.defer("bundle").prefetch_related("funds__fund__asset")[:limit]


def wallets_with_state() -> list[tuple[TrackedWallet, SafeReading | None, ControlChallenge | None]]:
    """Every tracked wallet with its latest live Safe reading and its last proven control."""
    out = []
    for wallet in TrackedWallet.objects.select_related("fund__asset"):
        reading = wallet.safe_readings.filter(rewound_at__isnull=True).first()
        proof = wallet.challenges.filter(verified_at__isnull=False).first()
        out.append((wallet, reading, proof))
    return out


def balance_history(wallet: TrackedWallet, *, limit: int = 200) -> list[BalanceReading]:
    """Live balance readings of the wallet, oldest first, for the history chart."""
    rows = wallet.balance_readings.filter(rewound_at__isnull=True).order_by("-block_number")
    return list(reversed(rows[:limit]))


def alerts_open() -> QuerySet[CustodyAlert]:
    return CustodyAlert.objects.filter(acknowledged_at__isnull=True).select_related("wallet")


@lru_cache(maxsize=8)
def _staker_tree(digest: str, fund_name: str) -> tuple[SumTree, dict[str, int]] | None:
    """The staker sum tree of one fund in one epoch; keyed by digest (epochs never change)."""
    bundle = json.loads(ReserveEpoch.objects.get(digest=digest).bundle)
    for section in bundle["funds"]:
        if section["name"] == fund_name and section["stakers"]["ids"]:
            tree = staker_tree(section["stakers"])
            return tree, {leaf_id.lower(): i for i, leaf_id in enumerate(tree.ids)}
    return None


def staker_proof(*, epoch: ReserveEpoch, fund_name: str, address: str) -> dict | None:
    """A staker's inclusion proof in the epoch's sum tree, checked here too; None if absent."""
    built = _staker_tree(epoch.digest, fund_name)
    index = built[1].get(address.strip().lower()) if built else None
    if index is None:
        return None
    tree = built[0]
    leaf = tree.leaf(index)
    path = tree.inclusion_proof(index)
    leaf_id = tree.ids[index]
    return {
        "epoch": epoch.number,
        "fund": fund_name,
        "id": leaf_id,
        "amount": str(leaf.sum),
        "index": index,
        "size": tree.size,
        "root": tree.root.hash.hex(),
        "total": str(tree.root.sum),
        "path": proof_to_json(path),
        "verified": verify_sum_inclusion(leaf_id, leaf.sum, index, tree.size, path, tree.root),
    }
