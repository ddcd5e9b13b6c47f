"""What the staking pages and API show: one member's stake, one fund's public figures."""

from __future__ import annotations

from datetime import datetime

from fund.models import Fund, RewardEpoch
from fund.selectors.staking import onchain_deposits_open, pool_now, positions_of, unstakes_of
from fund.selectors.staking_stats import reward_claims_of, share_price_history, staking_stats

EPOCHS_SHOWN = 10


def whole_units_text(amount: int, decimals: int) -> str:
    """``7250000`` with 6 decimals → ``"7.25"``: integer arithmetic, exact at any size."""
    whole, fraction = divmod(amount, 10**decimals)
    digits = f"{fraction:0{decimals}d}".rstrip("0") if decimals else ""
    return f"{whole}.{digits}" if digits else str(whole)


def my_stake(address: str, *, now: datetime) -> dict:
    """Positions with their current value, every unstake request, reward claims."""
    positions = []
    for position in positions_of(address=address):
        state, _ = pool_now(position.fund, at=now)
        positions.append(
            {
                "fund": position.fund.name,
                "asset": position.fund.asset.symbol,
                "decimals": position.fund.asset.decimals,
                "shares": position.shares,
                "free_shares": position.free_shares,
                "value": state.value_of(position.shares),
                "points": position.points,
            }
        )
    return {
        "address": address.lower(),
        "positions": positions,
        "unstakes": unstakes_of(address=address),
        "rewards": reward_claims_of(address=address),
        "deposits": [
            {
                "tx_hash": d.tx_hash,
                "fund": d.fund.name,
                "asset": d.fund.asset.symbol,
                "amount": d.amount,
                "amount_whole": whole_units_text(d.amount, d.fund.asset.decimals),
                "confirmed": d.confirmed_block is not None,
            }
            for d in onchain_deposits_open(address=address)
        ],
    }


def stats_payload(fund: Fund, *, now: datetime) -> dict:
    stats = staking_stats(fund, now=now)
    return {
        "fund": fund.name,
        "asset": fund.asset.symbol,
        "decimals": fund.asset.decimals,
        **vars(stats),
        "history": [{"at": at, "price": price} for at, price in share_price_history(fund, now=now)],
        "epochs": list(RewardEpoch.objects.filter(fund=fund).order_by("-number")[:EPOCHS_SHOWN]),
    }
