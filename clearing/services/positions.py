"""Changing a position: adding size, reducing it (fills and ADL), and keeping its prices current.

These helpers change the Position in memory and return the journal entries to post; the
calling service saves and posts both in its own transaction, so a batch books once.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from clearing import formulas
from clearing.models import Market, Position
from clearing.services.accounts import (
    balance_account,
    counterparty_account,
    margin_account,
    transfer,
)
from common.exceptions import Invalid
from fund.services.ledger import EntryInput


def position_prices_refresh(position: Position, market: Market) -> None:
    """Recompute liquidation and bankruptcy prices from size, entry and margin."""
    if position.qty <= 0 or position.margin <= 0:
        position.liquidation_price = position.bankruptcy_price = position.trigger_key = None
        return
    args = {
        "side": position.side,
        "qty": position.qty,
        "entry": position.entry_price,
        "margin": position.margin,
    }
    contract = market.contract
    position.bankruptcy_price = formulas.bankruptcy_price(contract, **args)
    position.liquidation_price = formulas.liquidation_price(contract, mmr=market.mmr, **args)
    position.trigger_key = trigger_key(position.side, position.liquidation_price)


def trigger_key(side: str, liquidation_price: Decimal | None) -> Decimal | None:
    """The indexed detection key: +liq for a long, −liq for a short (see Position)."""
    if liquidation_price is None:
        return None
    return liquidation_price if side == Position.Side.LONG else -liquidation_price


def position_add(position: Position, market: Market, *, qty: Decimal, price: Decimal, margin: int):
    """Add size at ``price`` with ``margin`` more collateral; entry becomes the weighted mean."""
    if position.qty > 0:
        position.entry_price = formulas.entry_after_add(
            market.contract,
            side=position.side,
            qty=position.qty,
            entry=position.entry_price,
            add_qty=qty,
            price=price,
        )
    else:
        position.entry_price = price
    position.qty += qty
    position.margin += margin
    position_prices_refresh(position, market)


def position_reduce(
    position: Position,
    market: Market,
    *,
    qty: Decimal,
    price: Decimal,
    key: str,
    kind: str,
    event_time: datetime,
    path: str,
    refresh: bool = True,
) -> tuple[int, list[EntryInput]]:
    """Close ``qty`` at ``price``: realise PnL against the market's counterparty and release
    margin in proportion to the size closed. Returns (realised PnL, entries).

    A loss larger than the released margin comes out of the margin that stays; if the margin
    cannot cover it the reduce is refused (the position should have been liquidated).
    Without ``refresh`` the liquidation and bankruptcy prices are left to the caller, which
    recomputes them before saving: a settlement batch reduces the same position at the top
    of the ADL queue several times and saves it once (decision 029).
    """
    if qty > position.qty:
        raise Invalid.field(
            f"{path}.qty",
            f"reduces {qty} but the {position.side} position of {position.account} holds "
            f"{position.qty}; send the flip as a close and a new fill",
        )
    realised = formulas.pnl(
        market.contract, side=position.side, qty=qty, entry=position.entry_price, price=price
    )
    full = qty == position.qty
    release = (
        position.margin
        if full
        else math.floor(position.margin * Fraction(qty) / Fraction(position.qty))
    )
    payout = max(0, release + realised)
    margin_after = position.margin + realised - payout
    if margin_after < 0 or (full and margin_after != 0):
        raise Invalid.field(
            f"{path}.price",
            f"closing {qty} at {price} loses {-realised} but the position's margin is "
            f"{position.margin}: the fill would make the margin negative",
        )
    margin_acct = margin_account(position.account, market)
    entries = []
    pnl_postings = transfer(counterparty_account(market), margin_acct, realised)
    if pnl_postings:
        entries.append(
            EntryInput(
                key=f"{key}:pnl",
                kind=kind,
                postings=pnl_postings,
                event_time=event_time,
                memo=f"{qty} {market.symbol} closed at {price}",
            )
        )
    if payout:
        entries.append(
            EntryInput(
                key=f"{key}:release",
                kind="margin_release",
                postings=transfer(
                    margin_acct, balance_account(position.account, market.asset), payout
                ),
                event_time=event_time,
            )
        )
    position.qty -= qty
    position.margin = margin_after
    if position.qty == 0:
        position.status = Position.Status.CLOSED
    if refresh:
        position_prices_refresh(position, market)
    return realised, entries
