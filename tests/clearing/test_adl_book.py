"""The ADL book a batch keeps in memory ranks exactly as a fresh exact ranking would."""

from __future__ import annotations

import math
import random
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearing import formulas as f
from clearing.adl import AdlBook, Holder, adl_rank, adl_score

LINEAR = f.Contract(kind=f.LINEAR, decimals=6, tick=D("0.1"), lot=D("0.001"))
INVERSE = f.Contract(kind=f.INVERSE, decimals=8, tick=D("0.5"), lot=D("1"), face=D("1"))


def _reference_key(holder: Holder):
    """DESIGN.md's order with a Fraction score per holder (what adl_rank used to build)."""
    score = adl_score(upnl=holder.upnl, margin=holder.margin, notional=holder.notional)
    return (score is None, -(score or 0), holder.opened_key, holder.account)


HOLDERS = st.lists(
    st.tuples(
        st.integers(1, 50),  # qty in lots
        st.integers(-2_000, 2_000),  # upnl, small so exact ties happen
        st.integers(-10, 1_000),  # margin
        st.integers(0, 5_000),  # notional
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(HOLDERS)
def test_rank_is_the_exact_score_order(rows):
    holders = [
        Holder(ref, f"a{ref % 7}", ref % 5, D(qty), margin, upnl, notional)
        for ref, (qty, upnl, margin, notional) in enumerate(rows)
    ]
    assert adl_rank(holders) == sorted(holders, key=_reference_key)


@settings(max_examples=100)
@given(HOLDERS, st.lists(st.tuples(st.integers(0, 39), st.integers(0, 50)), max_size=30))
def test_book_after_changes_ranks_like_a_fresh_book(rows, changes):
    holders = {
        ref: Holder(ref, f"a{ref}", ref, D(qty), margin, upnl, notional)
        for ref, (qty, upnl, margin, notional) in enumerate(rows)
    }
    book = AdlBook(holders.values())
    rng = random.Random(len(rows))
    for ref, qty in changes:
        if ref not in holders:
            continue
        changed = holders[ref]._replace(qty=D(qty), upnl=rng.randint(-2_000, 2_000))
        book.replace(changed)
        if qty:
            holders[ref] = changed
        else:
            del holders[ref]
    assert list(book.ranked()) == adl_rank(list(holders.values()))
    assert book.holders() == sorted(holders.values(), key=lambda holder: holder.ref)


@settings(max_examples=500)
@given(
    contract=st.sampled_from([LINEAR, INVERSE]),
    side=st.sampled_from([f.LONG, f.SHORT]),
    lots=st.integers(1, 10**7),
    entry=st.integers(1, 10**12),
    ticks=st.integers(1, 10**7),
)
def test_pnl_and_notional_equal_the_fraction_formulas(contract, side, lots, entry, ticks):
    qty, price = lots * contract.lot, ticks * contract.tick
    entry_price = D(entry) * D("1e-6")  # entry prices carry up to 10 places
    sign = 1 if side == f.LONG else -1
    q, e, p = Fraction(qty), Fraction(entry_price), Fraction(price)
    if contract.kind == f.LINEAR:
        pnl, value = sign * q * (p - e), q * p
    else:
        pnl, value = sign * q * Fraction(contract.face) * (1 / e - 1 / p), q / p
    assert f.pnl(contract, side=side, qty=qty, entry=entry_price, price=price) == math.floor(
        pnl * contract.unit
    )
    assert f.notional(contract, qty=qty, price=price) == math.floor(value * contract.unit)


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 10**60),  # upnl: scores whose floats tie but whose ratios differ
            st.integers(1, 10**77),  # margin, up to what an AmountField holds
            st.integers(1, 10**75),  # notional
        ),
        min_size=2,
        max_size=12,
    ),
    st.integers(0, 3),
)
def test_rank_is_exact_for_large_amounts_and_near_ties(rows, copies):
    holders = [
        Holder(ref, "a", ref, D(1), margin, upnl, notional)
        for ref, (upnl, margin, notional) in enumerate(rows)
    ]
    # Near ties: the same score nudged by one unit of the numerator, and exact ties repeated.
    base = holders[0]
    holders += [base._replace(ref=100 + n, opened_key=100 + n) for n in range(copies)]
    holders.append(base._replace(ref=200, opened_key=200, upnl=base.upnl + 1))
    assert adl_rank(holders) == sorted(holders, key=_reference_key)


def test_amounts_beyond_the_exact_key_are_refused():
    huge = Holder(1, "a", 1, D(1), 2**300, 2**300, 2**300)
    with pytest.raises(ValueError, match="beyond what the ADL key orders exactly"):
        adl_rank([huge])
