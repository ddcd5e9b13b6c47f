"""The loss waterfall for one liquidation, as a pure decision (DESIGN.md, seeds 002 and 003).

trader margin → liquidation surplus → insurance fund → ADL | socialized loss | review.

The decision only computes amounts; ``clearing.services.settlement`` books them. Every amount
is an ``int`` in the settle asset's smallest unit, and every outcome satisfies

    margin + pnl_closed = trader_return + fund_delta − socialized − deficit − review

i.e. the liquidated trader's equity (negative when bankrupt) is fully accounted for: a
surplus goes to the trader and the fund, a loss is borne by the fund, the winners
(socialized), the market's deficit or a payout under review. No unit is created.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from clearing import formulas
from clearing.adl import AdlBook, Holder, Match, adl_match
from common.money import split_largest_remainder

ADL = "adl"
SOCIALIZE = "socialize"
REVIEW = "review"


@dataclass(frozen=True)
class FundLimits:
    """The fund's state and governed limits at the liquidation's event time."""

    balance: int
    reserve_floor: int = 0
    cap_event: int | None = None
    daily_cap: int | None = None
    paid_24h: int = 0


@dataclass(frozen=True)
class Liquidated:
    side: str
    qty: Decimal
    entry: Decimal
    margin: int


@dataclass(frozen=True)
class Leg:
    """Part of the liquidated position closed at one price."""

    qty: Decimal
    price: Decimal
    pnl: int


@dataclass
class Outcome:
    equity: int  # at the close price, whole size
    shortfall: int  # S, 0 when equity ≥ 0
    cover_available: int  # A
    legs: list[Leg]
    trader_return: int = 0
    fund_delta: int = 0  # + surplus taken, − cover paid
    adl: list[Match] = field(default_factory=list)
    socialized: list[tuple[Holder, int]] = field(default_factory=list)
    deficit: int = 0
    review: int = 0

    @property
    def socialized_total(self) -> int:
        return sum(amount for _, amount in self.socialized)

    @property
    def pnl_closed(self) -> int:
        """What the liquidated position realises over all its legs."""
        return sum(leg.pnl for leg in self.legs)


def cover_available(shortfall: int, limits: FundLimits) -> int:
    """A = min(S, balance − floor, cap per event, daily cap − paid in 24 h), never below 0."""
    candidates = [shortfall, limits.balance - limits.reserve_floor]
    if limits.cap_event is not None:
        candidates.append(limits.cap_event)
    if limits.daily_cap is not None:
        candidates.append(limits.daily_cap - limits.paid_24h)
    return max(0, min(candidates))


def surplus_take(*, equity: int, notional: int, max_fee_rate: Decimal) -> int:
    """The fund's part of a positive equity: min(equity, floor(notional × rate))."""
    return min(equity, math.floor(notional * Fraction(max_fee_rate)))


def waterfall_decide(
    *,
    contract: formulas.Contract,
    position: Liquidated,
    close_price: Decimal,
    bankruptcy_price: Decimal | None,
    limits: FundLimits,
    max_fee_rate: Decimal,
    policy: str,
    opposite: Callable[[], AdlBook] = lambda: AdlBook(()),
) -> Outcome:
    """Decide who bears what for one liquidation closed at ``close_price``.

    ``opposite()`` gives the open positions on the other side of the market valued at the last
    mark, ranked; ADL takes size from them at the bankruptcy price, ``socialize`` charges their
    profit. It is a callable so the book is only read when the fund cannot cover the whole loss.
    """
    legs = [_leg(contract, position, position.qty, close_price)]
    equity = position.margin + legs[0].pnl
    if equity >= 0:
        notional = formulas.notional(contract, qty=position.qty, price=close_price)
        take = surplus_take(equity=equity, notional=notional, max_fee_rate=max_fee_rate)
        return Outcome(equity, 0, 0, legs, trader_return=equity - take, fund_delta=take)
    shortfall = -equity
    available = cover_available(shortfall, limits)
    outcome = Outcome(equity, shortfall, available, legs, fund_delta=-available)
    rest = shortfall - available
    if rest == 0:
        return outcome
    if policy == REVIEW:
        outcome.review = rest
    elif policy == SOCIALIZE:
        _socialize(outcome, rest, opposite().holders())
    elif policy == ADL:
        _deleverage(outcome, contract, position, close_price, bankruptcy_price, opposite().ranked())
    else:
        raise ValueError(f"unknown adl_policy {policy!r}")
    return outcome


def _leg(contract: formulas.Contract, position: Liquidated, qty: Decimal, price: Decimal) -> Leg:
    amount = formulas.pnl(contract, side=position.side, qty=qty, entry=position.entry, price=price)
    return Leg(qty, price, amount)


def _socialize(outcome: Outcome, rest: int, opposite: Sequence[Holder]) -> None:
    """Charge ``rest`` to opposite positions in profit, pro rata, capped at each one's profit."""
    winners = [holder for holder in opposite if holder.upnl > 0]
    profit = sum(holder.upnl for holder in winners)
    if profit <= rest:
        outcome.socialized = [(holder, holder.upnl) for holder in winners]
        outcome.deficit = rest - profit
        return
    parts = split_largest_remainder(rest, [holder.upnl for holder in winners])
    outcome.socialized = [(h, part) for h, part in zip(winners, parts, strict=True) if part]


def _deleverage(
    outcome: Outcome,
    contract: formulas.Contract,
    position: Liquidated,
    close_price: Decimal,
    bankruptcy_price: Decimal | None,
    ranked: Iterable[Holder],
) -> None:
    """Close only what the fund can afford at P_c; match the rest at P_b in ADL order.

    Size that the opposite side cannot absorb also closes at P_c; whatever the fund's ``A``
    does not cover after that (that size's loss, and rounding dust) is an uncovered deficit.
    """
    qty = position.qty
    per_unit = Fraction(outcome.shortfall) / Fraction(qty)  # d: loss per unit at P_c
    at_close = min(qty, formulas.lot_floor(outcome.cover_available / per_unit, contract.lot))
    matches, unmatched = (
        adl_match(qty - at_close, ranked) if bankruptcy_price else ([], qty - at_close)
    )
    at_close += unmatched
    legs = []
    if at_close > 0:
        legs.append(_leg(contract, position, at_close, close_price))
    if qty - at_close > 0:
        legs.append(_leg(contract, position, qty - at_close, bankruptcy_price))
    equity = position.margin + sum(leg.pnl for leg in legs)
    outcome.legs, outcome.adl = legs, matches
    if equity >= 0:
        # Rounding dust of a tick-rounded P_b: the trader is bankrupt, the fund keeps it.
        outcome.fund_delta = equity
        return
    cover = min(-equity, outcome.cover_available)
    outcome.fund_delta = -cover
    outcome.deficit = -equity - cover
