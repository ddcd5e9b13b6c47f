"""The governed rules in force for a fund, as shown on its public page.

Every value comes from the parameter registry at fund scope (falling back to global and the
declared default), with the scope it was found at, so a reader can see what governance set.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from fund.models import Fund
from governance.registry import param_lookup
from governance.selectors.params import param_readings

FUND_RULES = (
    "fee_take_rate",
    "max_liquidation_fee_rate",
    "adl_policy",
    "reserve_floor",
    "payout_cap_per_event",
    "daily_payout_cap",
    "payout_review_threshold",
    "unstake_cooldown",
    "staker_revenue_share",
)


@dataclass(frozen=True)
class Rule:
    name: str
    value: object
    unit: str
    kind: str
    scope: str
    help: str


def fund_rules(fund: Fund) -> list[Rule]:
    """Each rule's value at fund scope now; markets may still override market-level ones."""
    readings = param_readings(FUND_RULES, fund=fund.name, at=timezone.now())
    rules = []
    for name, reading in readings.items():
        param = param_lookup(name)
        rules.append(Rule(name, reading.value, param.unit, param.kind, reading.scope, param.help))
    return rules
