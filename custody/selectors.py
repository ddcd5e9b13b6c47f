"""Reads of custody state for pages, the API and other apps (payouts ask ``payouts_paused``)."""

from __future__ import annotations

from django.db.models import QuerySet

from custody.models import (
    BalanceReading,
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
    return ReserveEpoch.objects.defer("bundle").prefetch_related("funds__fund")[:limit]


def epoch_latest() -> ReserveEpoch | None:
    return ReserveEpoch.objects.first()


def wallets_with_state() -> list[tuple[TrackedWallet, SafeReading | None]]:
    """Every tracked wallet with its latest live Safe reading (None for plain accounts)."""
    out = []
    for wallet in TrackedWallet.objects.select_related("fund__asset"):
        reading = wallet.safe_readings.filter(rewound_at__isnull=True).first()
        out.append((wallet, reading))
    return out


def balance_history(wallet: TrackedWallet, *, limit: int = 200) -> list[BalanceReading]:
    """Live balance readings of the wallet, oldest first, for the history chart."""
    rows = wallet.balance_readings.filter(rewound_at__isnull=True).order_by("-block_number")
    return list(reversed(rows[:limit]))


def alerts_open() -> QuerySet[CustodyAlert]:
    return CustodyAlert.objects.filter(acknowledged_at__isnull=True).select_related("wallet")
