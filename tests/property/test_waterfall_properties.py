"""hypothesis over random markets, positions and prices: the waterfall never creates money."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from clearing import formulas as f
from clearing.adl import AdlBook, Holder
from clearing.waterfall import FundLimits, Liquidated, cover_available, waterfall_decide

CONTRACTS = st.sampled_from(
    [
        f.Contract(kind=f.LINEAR, decimals=6, tick=D("0.1"), lot=D("0.001")),
        f.Contract(kind=f.LINEAR, decimals=2, tick=D("0.01"), lot=D("0.1")),
        f.Contract(kind=f.INVERSE, decimals=8, tick=D("0.5"), lot=D("1"), face=D("1")),
        f.Contract(kind=f.INVERSE, decimals=8, tick=D("0.05"), lot=D("1"), face=D("10")),
    ]
)
AMOUNTS = st.integers(min_value=0, max_value=10**12)
CAPS = st.none() | AMOUNTS


@st.composite
def cases(draw):
    contract = draw(CONTRACTS)
    side = draw(st.sampled_from([f.LONG, f.SHORT]))
    entry = draw(st.integers(100, 100_000)) * contract.tick * 10
    qty = draw(st.integers(1, 5_000)) * contract.lot
    notional = f.notional(contract, qty=qty, price=entry)
    leverage = draw(st.integers(2, 100))
    margin = max(1, notional // leverage)
    move = D(draw(st.integers(-60, 60))) / 100
    close = f.to_tick(entry * (1 + move), contract.tick, up=True)
    if close <= 0:
        close = contract.tick
    position = Liquidated(side=side, qty=qty, entry=entry, margin=margin)
    opposite_side = f.SHORT if side == f.LONG else f.LONG
    holders = []
    for ref in range(draw(st.integers(0, 6))):
        h_qty = draw(st.integers(1, 3_000)) * contract.lot
        h_entry = draw(st.integers(100, 100_000)) * contract.tick * 10
        h_notional = f.notional(contract, qty=h_qty, price=close)
        h_margin = max(
            1, f.notional(contract, qty=h_qty, price=h_entry) // draw(st.integers(1, 50))
        )
        upnl = f.pnl(contract, side=opposite_side, qty=h_qty, entry=h_entry, price=close)
        holders.append(Holder(ref, f"a{ref}", (ref,), h_qty, h_margin, upnl, h_notional))
    limits = FundLimits(
        balance=draw(AMOUNTS),
        reserve_floor=draw(st.integers(0, 10**10)),
        cap_event=draw(CAPS),
        daily_cap=draw(CAPS),
        paid_24h=draw(st.integers(0, 10**10)),
    )
    policy = draw(st.sampled_from(["adl", "socialize", "review"]))
    rate = draw(st.sampled_from([D("1"), D("0.01"), D("0.0005"), D("0")]))
    return contract, position, close, limits, policy, rate, holders


@settings(max_examples=400)
@given(cases())
def test_waterfall_conserves_value_and_respects_limits(case):
    contract, position, close, limits, policy, rate, holders = case
    p_b = f.bankruptcy_price(
        contract, side=position.side, qty=position.qty, entry=position.entry, margin=position.margin
    )
    outcome = waterfall_decide(
        contract=contract,
        position=position,
        close_price=close,
        bankruptcy_price=p_b,
        limits=limits,
        max_fee_rate=rate,
        policy=policy,
        opposite=lambda: AdlBook(holders),
    )
    # Legs cover the whole size, and their PnL is what the formulas give independently.
    assert sum(leg.qty for leg in outcome.legs) == position.qty
    realised = sum(
        f.pnl(contract, side=position.side, qty=leg.qty, entry=position.entry, price=leg.price)
        for leg in outcome.legs
    )
    assert outcome.pnl_closed == realised
    # Conservation: trader + fund + counterparty + socialized + deficit (+ review) = 0.
    trader = outcome.trader_return - position.margin
    counterparty = -realised
    borne = outcome.socialized_total + outcome.deficit + outcome.review
    assert trader + outcome.fund_delta + counterparty - borne == 0
    assert min(outcome.trader_return, outcome.deficit, outcome.review) >= 0
    # The fund pays no more than A, and A never breaks the floor or a cap.
    if outcome.fund_delta < 0:
        paid = -outcome.fund_delta
        assert paid <= cover_available(paid, limits) == paid
        assert limits.balance - paid >= limits.reserve_floor
        assert limits.cap_event is None or paid <= limits.cap_event
        assert limits.daily_cap is None or limits.paid_24h + paid <= limits.daily_cap
    if outcome.equity >= 0:
        assert 0 <= outcome.fund_delta <= outcome.equity and not outcome.adl
    # Socialized loss only from winners, capped at each one's profit.
    for holder, amount in outcome.socialized:
        assert 0 < amount <= holder.upnl
    # ADL never touches a losing position while a winner still has size left.
    matched = {m.holder.ref: m.qty for m in outcome.adl}
    if any(h.upnl <= 0 for h in holders if h.ref in matched):
        assert all(matched.get(h.ref) == h.qty for h in holders if h.upnl > 0)
    assert sum(matched.values(), D(0)) <= position.qty
