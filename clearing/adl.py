"""Auto-deleveraging: score, queue order, quintile lights and matching (pure, no database).

Order follows DESIGN.md: ``score = pnl_pct × eff_leverage`` in profit, ``pnl_pct / eff_leverage``
otherwise, highest first, where ``pnl_pct = uPnL / M`` and ``eff_leverage = notional / equity``
at the last mark. Ties go to the older position, then the smaller account id. A position with
no equity left (or no margin) has no meaningful score and queues last.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from operator import itemgetter
from typing import Any, NamedTuple

from clearing import formulas


class Holder(NamedTuple):
    """An open position as the ADL queue sees it, valued at the last mark.

    A named tuple, not a dataclass: a batch values every position of a side with it.
    """

    ref: Any  # the caller's handle (a position id)
    account: str
    opened_key: Any  # sorts older first (opened_at, then id, or the rank in that order)
    qty: Decimal
    margin: int
    upnl: int  # unrealized PnL at the last mark, smallest unit
    notional: int  # at the last mark


class HolderValuer:
    """Values positions of one side at one price (the last mark) as ``Holder``s.

    A batch values every position of the opposite side; the price's ratio and the contract's
    constants are worked out once here (``formulas.pnl_at``), not per position.
    """

    __slots__ = ("_notional", "_pnl")

    def __init__(self, contract: formulas.Contract, price: Decimal, *, side: str):
        self._pnl = formulas.pnl_at(contract, side=side, price=price)
        self._notional = formulas.notional_at(contract, price=price)

    def __call__(
        self, ref: Any, account: str, opened_key: Any, qty: Decimal, entry: Decimal, margin: int
    ) -> Holder:
        return Holder(
            ref, account, opened_key, qty, margin, self._pnl(qty, entry), self._notional(qty)
        )


def _score_ratio(upnl: int, margin: int, notional: int) -> tuple[int, int] | None:
    """The ADL score as (numerator, positive denominator), or None (see ``adl_score``)."""
    equity = margin + upnl
    if margin <= 0 or equity <= 0 or notional <= 0:
        return None
    if upnl > 0:  # pnl_pct × leverage = (upnl / M) × (notional / equity)
        return upnl * notional, margin * equity
    return upnl * equity, margin * notional  # pnl_pct / leverage


def adl_score(*, upnl: int, margin: int, notional: int) -> Fraction | None:
    """The ADL score, or None when margin or equity is not positive (queues last)."""
    ratio = _score_ratio(upnl, margin, notional)
    return None if ratio is None else Fraction(*ratio)


# Two different scores a/b and c/d differ by at least 1/(b·d), so their floors scaled by
# 2^SCALE_BITS differ whenever both denominators stay below 2^(SCALE_BITS / 2). Amounts fit
# an AmountField (below 10^78) and sizes and prices numeric(30, 10), which keeps every
# denominator (margin × equity or margin × notional) below 2^520.
SCALE_BITS = 1100
_LAST = math.inf  # the float of no score: after every score


def adl_rank_key(holder: Holder) -> tuple:
    """Sorts highest score first, then older position, then account id; no score goes last.

    The score is compared as its correctly rounded float first (an int division, monotonic
    in the exact value; no score is +inf, which no int division reaches), and when two
    floats tie as its floor scaled by 2^SCALE_BITS, exact for any two scores of amounts this
    system holds: the order is the exact one, and every element of the key is a float or an
    int, which a sort compares in C. A crash day's opposite side holds thousands of exact
    ties (same entry, same leverage), which an object comparing ratios in Python made the
    slowest part of ranking it (decision 026).
    """
    ratio = _score_ratio(holder.upnl, holder.margin, holder.notional)
    if ratio is None:
        return (_LAST, 0, holder.opened_key, holder.account)
    num, den = ratio
    if den.bit_length() > SCALE_BITS // 2:
        raise ValueError(f"holder {holder.ref!r}: amounts beyond what the ADL key orders exactly")
    return (-num / den, (-num << SCALE_BITS) // den, holder.opened_key, holder.account)


def adl_rank(holders: Sequence[Holder]) -> list[Holder]:
    """Holders in ADL order: highest score first, then older position, then account id."""
    return sorted(holders, key=adl_rank_key)


class AdlBook:
    """One side's open positions at the last mark, kept in ADL order while settling moves them.

    Ranking the whole opposite side for every ADL'd liquidation stalled the crash day's peak
    minute; a batch ranks it once and re-places only the positions a match or charge changed,
    which gives the order a fresh ranking of the changed book would.
    """

    def __init__(self, holders: Iterable[Holder]):
        self._holders = {holder.ref: holder for holder in holders}  # the caller's order
        self._ranked = sorted(
            ((adl_rank_key(holder), holder) for holder in self._holders.values()),
            key=itemgetter(0),
        )

    def holders(self) -> list[Holder]:
        """In the caller's order (position id: a socialized split's ties follow it)."""
        return list(self._holders.values())

    def ranked(self) -> Iterator[Holder]:
        return (holder for _, holder in self._ranked)

    def replace(self, holder: Holder) -> None:
        """Put a changed position in place of its old state; without size it leaves the book."""
        old = self._holders[holder.ref]
        index = bisect_left(self._ranked, adl_rank_key(old), key=itemgetter(0))
        if self._ranked[index][1].ref != holder.ref:
            raise ValueError(f"holder {holder.ref!r} is not where its rank says")
        del self._ranked[index]
        if holder.qty > 0:
            self._holders[holder.ref] = holder
            insort(self._ranked, (adl_rank_key(holder), holder), key=itemgetter(0))
        else:
            del self._holders[holder.ref]


def adl_quintile(rank_index: int, count: int) -> int:
    """1–5 lights: 5 for the front fifth of the queue (first to be deleveraged)."""
    if not 0 <= rank_index < count:
        raise ValueError("rank_index out of range")
    return 5 - (rank_index * 5) // count


@dataclass(frozen=True)
class Match:
    holder: Holder
    qty: Decimal


def adl_match(qty: Decimal, ranked: Iterable[Holder]) -> tuple[list[Match], Decimal]:
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
