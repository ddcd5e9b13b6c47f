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


def _score_ratio(*, upnl: int, margin: int, notional: int) -> tuple[int, int] | None:
    """The ADL score as (numerator, positive denominator), or None (see ``adl_score``)."""
    equity = margin + upnl
    if margin <= 0 or equity <= 0 or notional <= 0:
        return None
    if upnl > 0:  # pnl_pct × leverage = (upnl / M) × (notional / equity)
        return upnl * notional, margin * equity
    return upnl * equity, margin * notional  # pnl_pct / leverage


def adl_score(*, upnl: int, margin: int, notional: int) -> Fraction | None:
    """The ADL score, or None when margin or equity is not positive (queues last)."""
    ratio = _score_ratio(upnl=upnl, margin=margin, notional=notional)
    return None if ratio is None else Fraction(*ratio)


class _Exact:
    """An exact ratio (positive denominator), compared only when two rounded scores tie."""

    __slots__ = ("den", "num")

    def __init__(self, num: int, den: int):
        self.num, self.den = num, den

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Exact) and self.num * other.den == other.num * self.den

    def __lt__(self, other: _Exact) -> bool:
        return self.num * other.den < other.num * self.den

    __hash__ = None  # type: ignore[assignment]


_NONE = _Exact(0, 1)
_LAST = math.inf  # the float of no score: after every score


def adl_rank_key(holder: Holder) -> tuple:
    """Sorts highest score first, then older position, then account id; no score goes last.

    The score is compared as its correctly rounded float first (an int division, monotonic
    in the exact value; no score is +inf, which no int division reaches), and exactly only
    when two floats tie: the order is the exact one without building a ``Fraction`` per
    position. The float leads the key so that sorting a side compares floats, not objects.
    """
    ratio = _score_ratio(upnl=holder.upnl, margin=holder.margin, notional=holder.notional)
    if ratio is None:
        return (_LAST, _NONE, holder.opened_key, holder.account)
    num, den = ratio
    return (-num / den, _Exact(-num, den), holder.opened_key, holder.account)


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
