"""The clearing formulas of DESIGN.md ("Clearing rules"), exact and pure.

Arithmetic runs on ``Fraction`` so no intermediate rounding can move a result across a tick;
the only roundings are the explicit ones at the end, and each goes against the trader:

- liquidation price: a long's is rounded *up* to the tick and a short's *down*, so a position
  is taken over no later than the exact formula says;
- bankruptcy price: a long's is rounded *up* and a short's *down*, so closing the whole size at
  it never costs more than the margin (what is left over stays with the fund, never owed);
- PnL and notional are floored to the smallest unit: a gain is paid rounded down and a loss is
  charged rounded up (floor of a negative number).

Prices are ``Decimal``; amounts are ``int`` in the settle asset's smallest unit; sizes are
``Decimal`` in base units (linear) or contracts of face value ``face`` in USD (inverse).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

LINEAR = "linear"
INVERSE = "inverse"
LONG = "long"
SHORT = "short"


@dataclass(frozen=True)
class Contract:
    """What the formulas need to know about a market."""

    kind: str  # LINEAR | INVERSE
    decimals: int  # of the settle asset
    tick: Decimal
    lot: Decimal
    face: Decimal = Decimal(1)  # contract face value in USD (inverse only)

    @property
    def unit(self) -> int:
        """Smallest units per whole settle-asset unit."""
        return 10**self.decimals


def price_text(value: Decimal | None) -> str | None:
    """A price or size as a plain decimal string: 18000.0 → "18000", never "1.8E+4"."""
    return None if value is None else format(value.normalize(), "f")


def _frac(value: Decimal | int | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def _ratio(value: Decimal | int | Fraction) -> tuple[int, int]:
    """``value`` as (numerator, positive denominator): exact, without building a Fraction."""
    return value.as_integer_ratio()


def to_tick(price: Fraction | Decimal, tick: Decimal, *, up: bool) -> Decimal:
    """The nearest multiple of ``tick`` above (``up``) or below ``price``, as a Decimal."""
    steps = _frac(price) / _frac(tick)
    count = math.ceil(steps) if up else math.floor(steps)
    return (Decimal(count) * tick).quantize(tick)


def lot_floor(qty: Fraction | Decimal, lot: Decimal) -> Decimal:
    """The largest multiple of ``lot`` not above ``qty``."""
    count = math.floor(_frac(qty) / _frac(lot))
    return (Decimal(count) * lot).quantize(lot)


def on_grid(value: Decimal, step: Decimal) -> bool:
    """Whether ``value`` is an exact multiple of ``step`` (a tick or a lot)."""
    return (_frac(value) / _frac(step)).denominator == 1


def _side_sign(side: str) -> int:
    if side not in (LONG, SHORT):
        raise ValueError(f"side must be long or short, got {side!r}")
    return 1 if side == LONG else -1


def margin_in_units(contract: Contract, margin: int) -> Fraction:
    """The margin in whole settle-asset units (USDC for linear, coin for inverse)."""
    return Fraction(margin, contract.unit)


def bankruptcy_price(
    contract: Contract, *, side: str, qty: Decimal, entry: Decimal, margin: int
) -> Decimal | None:
    """Price at which the position's loss equals its margin; None when it cannot go bankrupt."""
    sign = _side_sign(side)
    q, e, m = _frac(qty), _frac(entry), margin_in_units(contract, margin)
    if contract.kind == LINEAR:
        exact = e - m / q if sign > 0 else e + m / q
    else:
        leverage = q * _frac(contract.face) / (e * m)
        if sign > 0:
            exact = e * leverage / (leverage + 1)
        elif leverage <= 1:
            return None
        else:
            exact = e * leverage / (leverage - 1)
    if exact <= 0:
        return None
    price = to_tick(exact, contract.tick, up=sign > 0)
    return price if price > 0 else None


def liquidation_price(
    contract: Contract, *, side: str, qty: Decimal, entry: Decimal, margin: int, mmr: Decimal
) -> Decimal | None:
    """Price at which equity falls to the maintenance margin; None when it never does."""
    sign = _side_sign(side)
    q, e, m, r = _frac(qty), _frac(entry), margin_in_units(contract, margin), _frac(mmr)
    if contract.kind == LINEAR:
        exact = (e - m / q) / (1 - r) if sign > 0 else (e + m / q) / (1 + r)
    else:
        qf = q * _frac(contract.face)
        if sign > 0:
            exact = qf * (1 + r) / (m + qf / e)
        else:
            denominator = qf / e - m
            if denominator <= 0:
                return None
            exact = qf * (1 - r) / denominator
    if exact <= 0:
        return None
    price = to_tick(exact, contract.tick, up=sign > 0)
    return price if price > 0 else None


def pnl_at(contract: Contract, *, side: str, price: Decimal) -> Callable[[Decimal, Decimal], int]:
    """``pnl`` of positions of one ``side`` at one ``price``, as a function of (qty, entry).

    The price's ratio and the contract's constants are worked out once: an ADL book values
    every position of a side at the last mark, tens of thousands per batch.
    """
    sign = _side_sign(side)
    pn, pd = _ratio(price)
    unit = contract.unit
    if contract.kind == LINEAR:  # q·(p − e)

        def linear(qty: Decimal, entry: Decimal) -> int:
            (qn, qd), (en, ed) = qty.as_integer_ratio(), entry.as_integer_ratio()
            return sign * qn * (pn * ed - en * pd) * unit // (qd * pd * ed)

        return linear
    fn, fd = _ratio(contract.face)  # q·F·(1/e − 1/p)

    def inverse(qty: Decimal, entry: Decimal) -> int:
        (qn, qd), (en, ed) = qty.as_integer_ratio(), entry.as_integer_ratio()
        return sign * qn * fn * (ed * pn - pd * en) * unit // (qd * fd * en * pn)

    return inverse


def pnl(contract: Contract, *, side: str, qty: Decimal, entry: Decimal, price: Decimal) -> int:
    """PnL of closing ``qty`` opened at ``entry`` at ``price``, floored to the smallest unit.

    Computed on integer ratios (one floor division) rather than ``Fraction``: the same exact
    value, but an ADL ranking values every position of a side with it (``pnl_at``).
    """
    return pnl_at(contract, side=side, price=price)(qty, entry)


def notional_at(contract: Contract, *, price: Decimal) -> Callable[[Decimal], int]:
    """``notional`` of sizes at one ``price``, as a function of the size (see ``pnl_at``)."""
    pn, pd = _ratio(price)
    unit = contract.unit
    if contract.kind == LINEAR:  # q·p

        def linear(qty: Decimal) -> int:
            qn, qd = qty.as_integer_ratio()
            return qn * pn * unit // (qd * pd)

        return linear
    fn, fd = _ratio(contract.face)  # q·F/p

    def inverse(qty: Decimal) -> int:
        qn, qd = qty.as_integer_ratio()
        return qn * fn * pd * unit // (qd * fd * pn)

    return inverse


def notional(contract: Contract, *, qty: Decimal, price: Decimal) -> int:
    """Value of ``qty`` at ``price`` in the settle asset's smallest unit, floored."""
    return notional_at(contract, price=price)(qty)


def equity(*, margin: int, pnl_amount: int) -> int:
    """Equity at a price: margin plus (already floored) PnL."""
    return margin + pnl_amount


ENTRY_STEP = Decimal("1e-10")  # stored precision of an average entry price


def _entry(contract: Contract, side: str, exact: Fraction) -> Decimal:
    """Round an average entry price to the stored precision, against the trader."""
    return to_tick(exact, ENTRY_STEP, up=_side_sign(side) > 0)


def entry_after_add(
    contract: Contract, *, side: str, qty: Decimal, entry: Decimal, add_qty: Decimal, price: Decimal
) -> Decimal:
    """Size-weighted entry after adding ``add_qty`` at ``price`` (harmonic for inverse)."""
    q0, e0, q1, p = _frac(qty), _frac(entry), _frac(add_qty), _frac(price)
    if contract.kind == LINEAR:
        exact = (q0 * e0 + q1 * p) / (q0 + q1)
    else:
        exact = (q0 + q1) / (q0 / e0 + q1 / p)
    return _entry(contract, side, exact)


def entry_after_charge(
    contract: Contract, *, side: str, qty: Decimal, entry: Decimal, charge: int
) -> Decimal:
    """The entry price that lowers the position's PnL at every price by ``charge`` units.

    This is how a socialized loss is charged to an open winner: its future PnL, liquidation
    and bankruptcy prices all carry the charge (decision 022).
    """
    sign = _side_sign(side)
    q, e, c = _frac(qty), _frac(entry), Fraction(charge, contract.unit)
    if contract.kind == LINEAR:
        exact = e + sign * c / q
    else:
        exact = 1 / (1 / e - sign * c / (q * _frac(contract.face)))
    return _entry(contract, side, exact)
