"""Governable parameters of governance itself (Governor Bravo-style settings)."""

from decimal import Decimal

from governance.registry import Param, declare

HOUR = 3600

declare(
    Param(
        "proposal_threshold",
        "amount",
        0,
        "Voting power needed to propose.",
        unit="voting power units",
        min=0,
    ),
    Param(
        "quorum",
        "amount",
        1,
        "For + abstain power needed for a proposal to pass.",
        unit="voting power units",
        min=1,
    ),
    Param(
        "vote_threshold",
        "decimal",
        Decimal("0.5"),
        "Share of for / (for + against) that must be exceeded to pass.",
        min=Decimal("0.5"),
        max=Decimal("0.9"),
        max_step=Decimal("0.1"),
    ),
    Param(
        "voting_delay",
        "duration",
        0,
        "Time from proposal to the start of voting.",
        unit="seconds",
        min=0,
        max=14 * 24 * HOUR,
    ),
    Param(
        "voting_period",
        "duration",
        3 * 24 * HOUR,
        "How long voting stays open.",
        unit="seconds",
        min=60,
        max=30 * 24 * HOUR,
    ),
    Param(
        "late_quorum_extension",
        "duration",
        24 * HOUR,
        "Voting is extended by this much when quorum is first reached near the end.",
        unit="seconds",
        min=0,
        max=7 * 24 * HOUR,
    ),
    Param(
        "timelock_delay",
        "duration",
        2 * 24 * HOUR,
        "Wait between success and execution.",
        unit="seconds",
        min=0,
        max=30 * 24 * HOUR,
    ),
    Param(
        "grace_period",
        "duration",
        14 * 24 * HOUR,
        "Window after the timelock in which a queued proposal may execute before it expires.",
        unit="seconds",
        min=HOUR,
        max=60 * 24 * HOUR,
    ),
    app="governance",
)
