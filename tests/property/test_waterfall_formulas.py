"""hypothesis on the price formulas: their roundings never favour the trader."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from clearing import formulas as f

CONTRACTS = [
    f.Contract(kind=f.LINEAR, decimals=6, tick=D("0.1"), lot=D("0.001")),
    f.Contract(kind=f.INVERSE, decimals=8, tick=D("0.5"), lot=D("1"), face=D("1")),
]


@settings(max_examples=300)
@given(
    contract=st.sampled_from(CONTRACTS),
    side=st.sampled_from([f.LONG, f.SHORT]),
    ticks=st.integers(1_000, 2_000_000),
    lots=st.integers(1, 100_000),
    leverage=st.integers(1, 125),
    mmr=st.sampled_from([D("0"), D("0.005"), D("0.01"), D("0.05")]),
)
def test_prices_round_against_the_trader(contract, side, ticks, lots, leverage, mmr):
    entry, qty = ticks * contract.tick, lots * contract.lot
    margin = max(1, f.notional(contract, qty=qty, price=entry) // leverage)
    args = {"side": side, "qty": qty, "entry": entry, "margin": margin}
    p_b = f.bankruptcy_price(contract, **args)
    p_liq = f.liquidation_price(contract, mmr=mmr, **args)
    if p_b is not None:
        # Closing the whole size at the bankruptcy price never costs more than the margin.
        loss = f.pnl(contract, side=side, qty=qty, entry=entry, price=p_b)
        assert margin + loss >= 0
        assert f.on_grid(p_b, contract.tick)
    if p_liq is not None and p_b is not None:
        # The liquidation price is reached no later than the bankruptcy price.
        assert p_liq >= p_b if side == f.LONG else p_liq <= p_b
    if p_liq is not None and mmr == 0 and p_b is not None:
        assert p_liq == p_b
