"""Beat tasks of custody: thin shells around the services, retried when a node is down."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from common.exceptions import ExternalUnavailable, LockTimeout

RETRY = {
    "autoretry_for": (ExternalUnavailable, LockTimeout),
    "retry_backoff": 5,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name="custody.read_wallets", **RETRY)
def read_wallets_task() -> dict:
    from custody.services.readings import wallets_read

    return {str(chain): pin.number for chain, pin in wallets_read().items()}


@shared_task(name="custody.check_reorgs", **RETRY)
def check_reorgs_task() -> int:
    from custody.services.reorgs import readings_reorg_check

    return sum(readings_reorg_check(chain_id=chain_id) for chain_id in settings.ETH_RPC_URLS)


@shared_task(name="custody.publish_reserve_epoch", **RETRY)
def publish_reserve_epoch_task() -> int:
    from custody.services.epochs import reserve_epoch_create

    return reserve_epoch_create(actor="beat").number
