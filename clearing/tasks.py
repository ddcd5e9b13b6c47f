"""Celery tasks of clearing: thin shells around the settlement services (docs/settlement.md).

Settling is idempotent per liquidation (its status under the fund lock, a unique Settlement
per liquidation, ledger keys ``liquidation:<id>:…``), so a redelivery after a crash, a retry
or a duplicate from the sweeper books nothing twice. MoneyTask retries transient database
errors with jittered backoff and sends a final failure to the staff dead-letter list.
"""

from celery import shared_task
from django.conf import settings

from common.exceptions import LockBusy
from common.tasks import MoneyTask, enqueue_on_commit


@shared_task(base=MoneyTask, bind=True, name="clearing.settle_market")
def settle_market_task(self, market_id: int) -> dict:
    """Settle the next batch of a market's closed liquidations in close-time order; while more
    wait, queue itself again so other markets' tasks interleave.

    A market another worker's batch is settling is not waited for (decision 039): that
    batch looks for waiting liquidations after its commit, which sees every close committed
    before this task found the market busy, and queues the market again.
    """
    from clearing.models import Market
    from clearing.selectors import liquidations_waiting
    from clearing.services.settlement import liquidations_settle_pending

    market = Market.objects.select_related("fund__asset", "asset").get(pk=market_id)
    batch = settings.SETTLEMENT_BATCH_SIZE
    try:
        settled = liquidations_settle_pending(market=market, limit=batch, skip_busy=True)
    except LockBusy:
        return {"market": market_id, "settled": 0, "busy": True}
    if settled == batch or liquidations_waiting(market_id=market_id):
        enqueue_on_commit(settle_market_task, market_id)
    return {"market": market_id, "settled": settled}


@shared_task(base=MoneyTask, bind=True, name="clearing.settle_liquidation")
def settle_liquidation_task(self, liquidation_id: int) -> dict:
    """Settle one closed liquidation (and the earlier ones of its market first)."""
    from clearing.services.settlement import liquidation_settle

    settlement = liquidation_settle(liquidation_id=liquidation_id)
    return {"liquidation": liquidation_id, "fund_delta": str(settlement.fund_delta)}


@shared_task(name="clearing.sweep_settlements", time_limit=60, soft_time_limit=50)
def sweep_settlements_task() -> dict:
    """Beat: queue settlement for markets whose closed liquidations wait too long."""
    from clearing.services.sweeper import liquidations_sweep

    return {"markets": liquidations_sweep(older_than=settings.SETTLEMENT_SWEEP_AFTER)}


@shared_task(name="clearing.recompute_risk_modes", time_limit=120, soft_time_limit=100)
def recompute_risk_modes_task() -> dict:
    """Beat: recompute every market's risk mode from fund coverage at the last mark."""
    from clearing.services.sweeper import risk_modes_refresh

    return {"changes": risk_modes_refresh()}
