"""Auto-deleveraging: score, queue order, quintile lights and matching (pure, no database).

Order follows DESIGN.md: ``score = pnl_pct × eff_leverage`` in profit, ``pnl_pct / eff_leverage``
otherwise, highest first, where ``pnl_pct = uPnL / M`` and ``eff_leverage = notional / equity``
at the last mark. Ties go to the older position, then the smaller account id. A position with
no equity left (or no margin) has no meaningful score and queues last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Holder:
    """An open position as the ADL queue sees it, valued at the last mark."""

    ref: Any  # the caller's handle (a position id)
    account: str
    opened_key: Any  # sorts older first (opened_at, then id)
    qty: Decimal
    margin: int
    upnl: int  # unrealized PnL at the last mark, smallest unit
    notional: int  # at the last mark


def adl_score(*, upnl: int, margin: int, notional: int) -> Fraction | None:
    """The ADL score, or None when margin or equity is not positive (queues last)."""
    equity = margin + upnl
    if margin <= 0 or equity <= 0 or notional <= 0:
        return None
    pnl_pct = Fraction(upnl, margin)
    leverage = Fraction(notional, equity)
    return pnl_pct * leverage if upnl > 0 else pnl_pct / leverage


def adl_rank(holders: Sequence[Holder]) -> list[Holder]:
    """Holders in ADL order: highest score first, then older position, then account id."""

    def key(holder: Holder):
        score = adl_score(upnl=holder.upnl, margin=holder.margin, notional=holder.notional)
        return (score is None, -(score or 0), holder.opened_key, holder.account)

    return sorted(holders, key=key)


def adl_quintile(rank_index: int, count: int) -> int:
    """1–5 lights: 5 for the front fifth of the queue (first to be deleveraged)."""
    if not 0 <= rank_index < count:
        raise ValueError("rank_index out of range")
    return 5 - (rank_index * 5) // count


@dataclass(frozen=True)
class Match:
    holder: Holder
    qty: Decimal


def adl_match(qty: Decimal, ranked: Sequence[Holder]) -> tuple[list[Match], Decimal]:
    """Take ``qty`` from the queue front to back; return the matches and what is left unmatched.

    Sizes on one market share the lot grid, so every match is a whole number of lots.
    """
    matches: list[Match] = []
    left = qty
    for holder in ranked:
        if left <= 0:
            break
        take = min(left, holder.qty)
        if take > 0:
            matches.append(Match(holder, take))
            left -= take
    return matches, left
