"""Celery tasks of clearing: thin shells around the settlement service."""

from celery import shared_task

from common.exceptions import LockTimeout


@shared_task(
    bind=True,
    autoretry_for=(LockTimeout, OSError),
    retry_backoff=1,
    retry_jitter=True,
    retry_kwargs={"max_retries": 5},
)
def settle_liquidation_task(self, liquidation_id: int) -> dict:
    """Settle one closed liquidation (idempotent: a settled one books nothing again)."""
    from clearing.services.settlement import liquidation_settle

    settlement = liquidation_settle(liquidation_id=liquidation_id)
    return {"liquidation": liquidation_id, "fund_delta": str(settlement.fund_delta)}
