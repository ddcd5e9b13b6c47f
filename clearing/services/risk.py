"""Risk modes from fund coverage (seed 002: stricter controls when the fund is thin).

coverage = fund balance / open interest at the last mark, per market. At or above
``coverage_warn``: normal; below it: restricted (initial margin × multiplier); below
``coverage_critical``: reduce-only. Every change is recorded as a RiskModeChange.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction

from clearing.models import Market, RiskModeChange
from clearing.selectors import last_mark_price, open_interest
from fund.selectors.ledger import fund_balance
from governance.selectors.params import param_get

logger = logging.getLogger(__name__)


def risk_mode_for(*, coverage: Fraction | None, warn, critical) -> str:
    if coverage is None or coverage >= Fraction(warn):
        return Market.RiskMode.NORMAL
    if coverage >= Fraction(critical):
        return Market.RiskMode.RESTRICTED
    return Market.RiskMode.REDUCE_ONLY


def risk_modes_recompute(
    *, markets: Iterable[Market], at: datetime, unposted: int = 0
) -> list[RiskModeChange]:
    """Recompute the mode of each market (joins the caller's transaction); log the changes.

    ``unposted`` is what the caller's transaction is still to post to the markets' fund (a
    settlement batch recomputes before it posts, decision 054), counted in its balance.
    """
    changes = []
    for market in markets:
        mark = last_mark_price(market)
        interest = open_interest(market, price=mark) if mark else 0
        balance = fund_balance(market.fund) + unposted
        coverage = Fraction(balance, interest) if interest else None
        scope = {"market": market.symbol, "fund": market.fund.name, "at": at}
        mode = risk_mode_for(
            coverage=coverage,
            warn=param_get("coverage_warn", **scope),
            critical=param_get("coverage_critical", **scope),
        )
        if mode == market.risk_mode:
            continue
        changes.append(
            RiskModeChange.objects.create(
                market=market,
                previous=market.risk_mode,
                mode=mode,
                coverage=_stored(coverage),
                fund_balance=str(balance),
                open_interest=str(interest),
                at=at,
            )
        )
        logger.info("risk mode of %s: %s -> %s", market.symbol, market.risk_mode, mode)
        market.risk_mode = mode
        Market.objects.filter(pk=market.pk).update(risk_mode=mode)
    return changes


def _stored(coverage: Fraction | None) -> Decimal | None:
    """Coverage for the record: 12 decimal places, capped so it fits its column."""
    if coverage is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(coverage.numerator) / Decimal(coverage.denominator)
        return min(exact, Decimal(10) ** 20).quantize(Decimal("1e-12"), rounding=ROUND_FLOOR)
