"""Closing a reward epoch: accrue every staker's points and publish a Merkle root of them.

Each epoch is a self-contained distribution (index, address, amount) for one on-chain
MerkleDistributor; the amount is the points a staker earned since the previous epoch.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from fund.models import Fund, RewardEpoch, RewardLeaf, StakePosition
from fund.services.staking import position_accrue, stake_pool_lock
from fund.staking_merkle import leaf_hash, merkle_root


def reward_epoch_close(*, fund: Fund, until: datetime) -> RewardEpoch | None:
    """Close the epoch ending at ``until``; closing the same or an earlier end again returns
    the last epoch, and None when nobody had staked by ``until`` (nothing to close).

    Points are accrued up to ``until``; a position that changed after ``until`` has its points
    up to that change in this epoch (accrual never runs backwards).
    """
    with transaction.atomic():
        stake_pool_lock(fund, now=until)
        last = RewardEpoch.objects.filter(fund=fund).order_by("-number").first()
        if last and last.ended_at >= until:
            return last
        first = StakePosition.objects.filter(fund=fund).order_by("accrued_at").first()
        started_at = last.ended_at if last else (first.accrued_at if first else until)
        if started_at >= until:
            return None
        leaves = []
        positions = StakePosition.objects.select_for_update().filter(fund=fund).order_by("address")
        for position in positions:
            position_accrue(position, now=until)
            amount = position.points - position.points_published
            position.points_published = position.points
            position.save(update_fields=["points", "points_published", "accrued_at"])
            if amount > 0:
                leaves.append((position.address, amount))
        rows = [(index, address, amount) for index, (address, amount) in enumerate(leaves)]
        epoch = RewardEpoch.objects.create(
            fund=fund,
            number=(last.number + 1) if last else 1,
            started_at=started_at,
            ended_at=until,
            root="0x" + merkle_root([leaf_hash(*row) for row in rows]).hex(),
            total=sum(amount for _, amount in leaves),
        )
        RewardLeaf.objects.bulk_create(
            [RewardLeaf(epoch=epoch, index=i, address=a, amount=m) for i, a, m in rows]
        )
        return epoch


def reward_epochs_close(*, until: datetime) -> list[RewardEpoch]:
    """Close the epoch ending at ``until`` for every fund that has ever had a staker."""
    funds = Fund.objects.filter(stakes__isnull=False).distinct().order_by("pk")
    closed = (reward_epoch_close(fund=fund, until=until) for fund in funds)
    return [epoch for epoch in closed if epoch]
