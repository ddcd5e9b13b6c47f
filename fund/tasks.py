"""Thin Celery tasks of the fund app: each calls one service."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task

from common.tasks import MoneyTask

# --- staking ---------------------------------------------------------------------------


@shared_task(base=MoneyTask, name="fund.close_reward_epochs")
def close_reward_epochs_task() -> list[str]:
    """Beat: close the reward epoch ending at the last UTC midnight and publish its root.

    The end is the midnight, not the moment the task runs, so a retry or a second run the
    same day closes nothing new.
    """
    from fund.services.staking_rewards import reward_epochs_close

    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return [f"{e.fund.name}#{e.number}:{e.root}" for e in reward_epochs_close(until=midnight)]


# --- payouts ---------------------------------------------------------------------------


@shared_task(base=MoneyTask, name="fund.build_payout_safe_tx")
def build_payout_safe_tx_task(payout_id: int) -> dict:
    """After an outside-address payout is booked: the Safe transaction for its owners to sign."""
    from fund.services.payout_safe import payout_safe_txs_advance

    return payout_safe_txs_advance(payout_ids=[payout_id])


@shared_task(base=MoneyTask, name="fund.track_payout_safe_txs")
def track_payout_safe_txs_task() -> dict:
    """Beat: build missing Safe transactions, then book those executed at a confirmed block."""
    from fund.services.payout_safe import payout_safe_txs_advance

    return payout_safe_txs_advance()
