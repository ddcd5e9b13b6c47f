"""Mark prices (take over what they make liquidatable) and the venue's liquidation closes.

A mark of 0, a negative one, or one that jumps more than ``max_mark_jump`` from the last
accepted mark (the last fill's price before any mark) is refused, and the refusal is kept as
a MarkPrice row with ``accepted=False`` (written outside the batch's transaction, so the log
survives the batch's rollback).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.db import transaction

from clearing import formulas
from clearing.formulas import price_text
from clearing.models import Liquidation, Market, MarkPrice, Position
from clearing.selectors import last_reference_price, liquidatable_positions
from clearing.services.fills import markets_by_symbol
from clearing.services.risk import risk_modes_recompute
from common.exceptions import Conflict, Invalid
from common.tasks import enqueue_on_commit
from governance.selectors.params import param_get

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MarkInput:
    market: str
    price: Decimal
    ts: datetime


@dataclass(frozen=True)
class CloseInput:
    account: str
    market: str
    price: Decimal
    ts: datetime


def _mark_problem(market: Market, item: MarkInput, last: Decimal | None) -> str | None:
    if not item.price.is_finite() or item.price <= 0:
        return f"mark {item.price} is not a positive price"
    if last is None:
        return None
    jump = abs(Fraction(item.price) - Fraction(last)) / Fraction(last)
    limit = param_get("max_mark_jump", market=market.symbol, fund=market.fund.name, at=item.ts)
    if jump > Fraction(limit):
        percent = (Decimal(jump.numerator) * 100 / Decimal(jump.denominator)).quantize(
            Decimal("0.1")
        )
        return (
            f"mark {item.price} moves {percent}% from the last price {price_text(last)}, "
            f"more than {limit}"
        )
    return None


def marks_ingest(*, marks: Sequence[MarkInput], path: str = "marks") -> list[Liquidation]:
    """Validate every mark, then record them in order; returns the positions taken over."""
    markets = markets_by_symbol([m.market for m in marks], path=path)
    last: dict[str, Decimal | None] = {}
    problems: dict[str, list[str]] = {}
    for index, item in enumerate(marks):
        market = markets[item.market]
        previous = last[item.market] if item.market in last else last_reference_price(market)
        problem = _mark_problem(market, item, previous)
        if problem:
            problems[f"{path}.{index}.price"] = [problem]
        else:
            last[item.market] = item.price
    if problems:
        _rejections_log(marks, markets, problems, path)
        first = next(iter(problems.items()))
        raise Invalid(f"{first[0]}: {first[1][0]}", fields=problems, code="mark_rejected")
    taken = []
    with transaction.atomic():
        for item in marks:
            market = markets[item.market]
            MarkPrice.objects.create(market=market, price=item.price, ts=item.ts)
            taken += positions_take_over(market=market, price=item.price, at=item.ts)
        risk_modes_recompute(
            markets=list({m.pk: m for m in markets.values()}.values()), at=max(m.ts for m in marks)
        )
    return taken


def _rejections_log(marks, markets, problems, path) -> None:
    with transaction.atomic():
        for index, item in enumerate(marks):
            reasons = problems.get(f"{path}.{index}.price")
            if reasons:
                logger.warning("rejected mark for %s: %s", item.market, reasons[0])
                MarkPrice.objects.create(
                    market=markets[item.market],
                    price=item.price if item.price.is_finite() else Decimal(0),
                    ts=item.ts,
                    accepted=False,
                    reason=reasons[0][:300],
                )


def positions_take_over(*, market: Market, price: Decimal, at: datetime) -> list[Liquidation]:
    """Take over every open position ``price`` makes liquidatable (found via the index)."""
    taken = []
    for position in liquidatable_positions(market, price=price).select_for_update():
        taken.append(
            Liquidation(
                position=position,
                market=market,
                account=position.account,
                side=position.side,
                qty=position.qty,
                entry_price=position.entry_price,
                margin=position.margin,
                liquidation_price=position.liquidation_price,
                bankruptcy_price=position.bankruptcy_price,
                mark_price=price,
                taken_over_at=at,
            )
        )
    if taken:
        Position.objects.filter(pk__in=[liq.position_id for liq in taken]).update(
            status=Position.Status.TAKEN_OVER
        )
        Liquidation.objects.bulk_create(taken)
    return taken


def closes_ingest(*, closes: Sequence[CloseInput], path: str = "closes") -> list[Liquidation]:
    """Record the venue's close of taken-over positions and queue each for settlement."""
    from clearing.tasks import settle_market_task

    markets = markets_by_symbol([c.market for c in closes], path=path)
    for index, item in enumerate(closes):
        market = markets[item.market]
        if item.price <= 0 or not formulas.on_grid(item.price, market.tick):
            raise Invalid.field(
                f"{path}.{index}.price",
                f"{item.price} is not a positive multiple of the tick {price_text(market.tick)}",
            )
    result = []
    closed: set[int] = set()
    with transaction.atomic():
        for index, item in enumerate(closes):
            liquidation = _close_target(item, markets[item.market], f"{path}.{index}")
            if liquidation.status == Liquidation.Status.TAKEN_OVER:
                liquidation.close_price, liquidation.closed_at = item.price, item.ts
                liquidation.status = Liquidation.Status.CLOSED
                liquidation.save(update_fields=["close_price", "closed_at", "status"])
                closed.add(liquidation.market_id)
            result.append(liquidation)
        for market_id in sorted(closed):  # one task per market settles its batch in order
            enqueue_on_commit(settle_market_task, market_id)
    return result


def _close_target(item: CloseInput, market: Market, path: str) -> Liquidation:
    """The taken-over liquidation this close is for, or the same close seen before (retry)."""
    latest = (
        Liquidation.objects.select_for_update()
        .filter(account=item.account, market=market)
        .order_by("-taken_over_at", "-id")
        .first()
    )
    if latest is None:
        raise Invalid.field(
            f"{path}.account",
            f"{item.account} has no position in {market.symbol} taken over by liquidation",
        )
    if latest.status == Liquidation.Status.TAKEN_OVER:
        return latest
    if latest.close_price == item.price and latest.closed_at == item.ts:
        return latest
    raise Conflict.field(
        path,
        f"the position of {item.account} in {market.symbol} was already closed at "
        f"{price_text(latest.close_price)} ({latest.closed_at.isoformat()}); "
        "no position is taken over",
    )
