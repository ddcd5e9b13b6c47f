"""Governable parameters of the fund: floors, payout caps, review threshold, staking."""

from decimal import Decimal

from governance.registry import Param, declare

FUND = ("global", "fund")
DAY = 86400

declare(
    Param(
        "reserve_floor",
        "amount",
        0,
        "Balance the fund never goes below through automatic payouts.",
        unit="smallest unit",
        scopes=FUND,
        min=0,
    ),
    Param(
        "payout_cap_per_event",
        "amount",
        None,
        "Most the fund pays for one liquidation; unset means no cap.",
        unit="smallest unit",
        scopes=FUND,
        min=0,
        nullable=True,
    ),
    Param(
        "daily_payout_cap",
        "amount",
        None,
        "Most the fund pays in any 24 hours of event time; unset means no cap.",
        unit="smallest unit",
        scopes=FUND,
        min=0,
        nullable=True,
    ),
    Param(
        "payout_review_threshold",
        "amount",
        0,
        "Payouts above this need two staff approvals.",
        unit="smallest unit",
        scopes=FUND,
        min=0,
    ),
    Param(
        "unstake_cooldown",
        "duration",
        13 * DAY,
        "Wait between an unstake request and the withdrawal.",
        unit="seconds",
        scopes=FUND,
        min=0,
        max=90 * DAY,
        max_step=14 * DAY,
    ),
    Param(
        "staker_revenue_share",
        "decimal",
        Decimal("1"),
        "Part of fee take and surplus that accrues to stakers; the rest mints protocol shares.",
        scopes=FUND,
        min=Decimal("0"),
        max=Decimal("1"),
        max_step=Decimal("0.25"),
    ),
    Param(
        "stake_minimum_first_deposit",
        "amount",
        1_000_000,
        "Smallest first stake into a fund without stakers; guards the share price.",
        unit="smallest unit",
        scopes=FUND,
        min=1,
    ),
    Param(
        "reward_rate",
        "decimal",
        Decimal("0.01"),
        "Reward points (smallest unit of the reward token) per staked share per second.",
        unit="points per share-second",
        scopes=FUND,
        min=Decimal("0"),
        max=Decimal("1"),
        max_step=Decimal("0.01"),
    ),
    app="fund",
)
