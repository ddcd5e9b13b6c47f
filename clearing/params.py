"""Governable parameters of clearing: fee take, liquidation fee, ADL policy, risk modes."""

from decimal import Decimal

from governance.registry import Param, declare

ALL = ("global", "fund", "market")

declare(
    Param(
        "fee_take_rate",
        "decimal",
        Decimal("0.0002"),
        "Share of each fill's notional moved "
        "from fee income to the market's fund (seed 000: 0.01%–0.05%).",
        unit="of notional",
        scopes=ALL,
        min=Decimal("0"),
        max=Decimal("0.0005"),
        max_step=Decimal("0.0002"),
    ),
    Param(
        "max_liquidation_fee_rate",
        "decimal",
        Decimal("1"),
        "Cap on the surplus the fund "
        "takes from a liquidation, as a share of notional at the close price.",
        unit="of notional",
        scopes=ALL,
        min=Decimal("0"),
        max=Decimal("1"),
    ),
    Param(
        "adl_policy",
        "choice",
        "adl",
        "What covers a shortfall the fund cannot: auto-"
        "deleveraging, socialized loss, or a payout for admin review.",
        scopes=ALL,
        choices=("adl", "socialize", "review"),
    ),
    Param(
        "coverage_warn",
        "decimal",
        Decimal("0.05"),
        "Fund balance / open interest below which the market is restricted.",
        scopes=ALL,
        min=Decimal("0"),
        max=Decimal("10"),
    ),
    Param(
        "coverage_critical",
        "decimal",
        Decimal("0.01"),
        "Coverage below which the market is reduce-only.",
        scopes=ALL,
        min=Decimal("0"),
        max=Decimal("10"),
    ),
    Param(
        "restricted_margin_multiplier",
        "decimal",
        Decimal("2"),
        "Initial margin multiplier in restricted mode.",
        scopes=ALL,
        min=Decimal("1"),
        max=Decimal("10"),
        max_step=Decimal("2"),
    ),
    Param(
        "max_mark_jump",
        "decimal",
        Decimal("0.5"),
        "Largest relative move of a mark price from the last one before it is rejected as absurd.",
        scopes=ALL,
        min=Decimal("0.01"),
        max=Decimal("10"),
    ),
    app="clearing",
)
