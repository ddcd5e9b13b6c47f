"""Periodic upkeep of settlement: recover lost messages, report the backlog, refresh risk modes.

The database is the source of truth for what waits: a closed liquidation that is not settled
some time after its takeover had its message lost (a Redis restart, a worker killed holding
it until the visibility timeout) or is simply queued behind others. Either way queueing its
market's settlement task again is safe, because settling is idempotent and ordered per market.
Ages use the server's clock (``Liquidation.created_at``, the takeover), never event time.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from clearing.models import Liquidation, Market
from clearing.selectors import liquidations_waiting
from clearing.services.risk import risk_modes_recompute
from common.locking import advisory_lock

CLOSED = Liquidation.Status.CLOSED


def liquidations_sweep(*, older_than: float) -> list[int]:
    """Queue ``settle_market_task`` for each market with a closed liquidation taken over more
    than ``older_than`` seconds ago; returns those market ids."""
    from clearing.tasks import settle_market_task

    cutoff = timezone.now() - timedelta(seconds=older_than)
    due = [
        market_id
        for market_id in Market.objects.order_by("pk").values_list("pk", flat=True)
        if liquidations_waiting(market_id=market_id, taken_over_by=cutoff)
    ]
    for market_id in due:
        settle_market_task.delay(market_id)
    return due


def settlement_backlog() -> dict:
    """Closed liquidations waiting for settlement and the age in seconds of the oldest."""
    waiting, oldest = 0, None
    for market_id in Market.objects.values_list("pk", flat=True):
        row = Liquidation.objects.filter(market_id=market_id, status=CLOSED).aggregate(
            count=Count("id"), oldest=Min("created_at")
        )
        waiting += row["count"]
        if row["oldest"] and (oldest is None or row["oldest"] < oldest):
            oldest = row["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"waiting": waiting, "oldest_seconds": round(age, 1)}


def risk_modes_refresh() -> int:
    """Recompute every market's risk mode now, one fund at a time under the fund's lock."""
    changes = 0
    markets = Market.objects.select_related("asset", "fund__asset").order_by("fund_id", "pk")
    by_fund: dict[int, list[Market]] = {}
    for market in markets:
        by_fund.setdefault(market.fund_id, []).append(market)
    for fund_id, group in by_fund.items():
        with transaction.atomic():
            advisory_lock(f"fund:{fund_id}")
            changes += len(risk_modes_recompute(markets=group, at=timezone.now()))
    return changes
