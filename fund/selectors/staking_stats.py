"""Public staking figures: share price history, APR over 30 days, reward proofs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from eth_utils import to_checksum_address

from fund.models import Fund, RewardEpoch, RewardLeaf, ShareEvent
from fund.selectors.ledger import fund_balance_at
from fund.selectors.staking import pool_now, stakers_count
from fund.staking_math import share_price
from fund.staking_merkle import leaf_hash, merkle_proof

APR_WINDOW = timedelta(days=30)
YEAR_DAYS = 365


def price_text(price: Fraction, places: int = 6) -> str:
    """A price for display: rounded down, never as a float."""
    scaled = price.numerator * 10**places // price.denominator
    whole, fraction = divmod(abs(scaled), 10**places)
    return f"{'-' if scaled < 0 else ''}{whole}.{fraction:0{places}d}"


def total_shares_at(fund: Fund, at: datetime) -> int:
    row = (
        ShareEvent.objects.filter(fund=fund, at__lte=at)
        .order_by("-at", "-id")
        .values_list("total_after", flat=True)
        .first()
    )
    return row or 0


def share_price_at(fund: Fund, at: datetime) -> Fraction:
    return share_price(total=total_shares_at(fund, at), balance=fund_balance_at(fund, at=at))


def share_price_history(fund: Fund, *, now: datetime, days: int = 30) -> list[tuple[datetime, str]]:
    """One point a day over the last ``days`` days, the last one ``now``, from the first stake."""
    start = now - timedelta(days=days)
    first = ShareEvent.objects.filter(fund=fund).order_by("at").values_list("at", flat=True).first()
    points = []
    for day in range(days + 1):
        at = start + timedelta(days=day)
        if first is None or at < first:
            continue
        points.append((at, price_text(share_price_at(fund, at))))
    return points


def apr_30d(fund: Fund, *, now: datetime) -> Decimal | None:
    """Annualized share-price change over the last 30 days (or since the first stake), in %.

    Simple, not compounded: ``(p_now / p_then - 1) * 365 / days``. None before a day of history.
    """
    first = ShareEvent.objects.filter(fund=fund).order_by("at").values_list("at", flat=True).first()
    if first is None:
        return None
    then = max(now - APR_WINDOW, first)
    days = Fraction(int((now - then).total_seconds()), 86400)
    if days < 1:
        return None
    state, _ = pool_now(fund, at=now)
    p_now = share_price(total=state.total, balance=state.balance)
    growth = (p_now / share_price_at(fund, then) - 1) * YEAR_DAYS / days * 100
    return Decimal(price_text(growth, 2))


@dataclass(frozen=True)
class StakingStats:
    total_staked: int
    stakers: int
    total_shares: int
    protocol_shares: int
    share_price: str
    apr_30d: Decimal | None


def staking_stats(fund: Fund, *, now: datetime) -> StakingStats:
    state, _ = pool_now(fund, at=now)
    return StakingStats(
        total_staked=state.value_of(state.staker_shares),
        stakers=stakers_count(fund),
        total_shares=state.total,
        protocol_shares=state.protocol,
        share_price=price_text(share_price(total=state.total, balance=state.balance)),
        apr_30d=apr_30d(fund, now=now),
    )


@dataclass(frozen=True)
class RewardClaim:
    fund: str
    epoch: int
    root: str
    index: int
    address: str
    amount: int
    proof: list[str]


def reward_claim(*, epoch: RewardEpoch, address: str) -> RewardClaim | None:
    """What ``address`` can claim from ``epoch`` and the proof the distributor checks."""
    rows = list(epoch.leaves.order_by("index").values_list("index", "address", "amount"))
    leaves = [leaf_hash(*row) for row in rows]
    mine = next((row for row in rows if row[1] == address.lower()), None)
    if mine is None:
        return None
    proof = merkle_proof(leaves, leaf_hash(*mine))
    return RewardClaim(
        epoch.fund.name,
        epoch.number,
        epoch.root,
        mine[0],
        mine[1],
        mine[2],
        ["0x" + p.hex() for p in proof],
    )


def reward_claims_of(*, address: str) -> list[RewardClaim]:
    """Every epoch's claim of ``address``, newest first."""
    leaves = RewardLeaf.objects.filter(address=address.lower()).select_related(
        "epoch", "epoch__fund"
    )
    claims = (reward_claim(epoch=leaf.epoch, address=address) for leaf in leaves)
    return sorted(filter(None, claims), key=lambda c: (c.fund, -c.epoch))


def reward_claim_in(*, fund: Fund, number: int, address: str) -> RewardClaim | None:
    epoch = RewardEpoch.objects.select_related("fund").filter(fund=fund, number=number).first()
    return reward_claim(epoch=epoch, address=address) if epoch else None


def reward_distribution(*, fund: Fund, number: int) -> dict | None:
    """An epoch in the shape of Uniswap's ``parse-balance-map`` output, for the deployer of
    its MerkleDistributor: root, token total (hex) and every claim with its proof."""
    epoch = RewardEpoch.objects.filter(fund=fund, number=number).first()
    if epoch is None:
        return None
    rows = list(epoch.leaves.order_by("index").values_list("index", "address", "amount"))
    leaves = [leaf_hash(*row) for row in rows]
    claims = {
        to_checksum_address(address): {
            "index": index,
            "amount": hex(amount),
            "proof": ["0x" + p.hex() for p in merkle_proof(leaves, leaf)],
        }
        for (index, address, amount), leaf in zip(rows, leaves, strict=True)
    }
    return {"merkleRoot": epoch.root, "tokenTotal": hex(epoch.total), "claims": claims}
