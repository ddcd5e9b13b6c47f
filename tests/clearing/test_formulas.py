"""Every cell of DESIGN.md's price table against numbers worked by hand (seed 003: 20,000, 10×)."""

from decimal import Decimal as D

import pytest

from clearing import formulas as f

# BTC-USDC: settle USDC (6 decimals), tick 0.1, lot 0.001.
LINEAR = f.Contract(kind=f.LINEAR, decimals=6, tick=D("0.1"), lot=D("0.001"))
# BTC-USD: settle BTC (8 decimals), $1 contracts, tick 0.5, lot 1.
INVERSE = f.Contract(kind=f.INVERSE, decimals=8, tick=D("0.5"), lot=D("1"), face=D("1"))
MMR = D("0.005")

# Seed 003: entry 20,000 at 10× leverage. Linear: 1 BTC with 2,000 USDC of margin.
# Inverse: 20,000 contracts ($20,000 = 1 BTC at entry) with 0.1 BTC of margin (L = 10).
LIN = {"qty": D("1"), "entry": D("20000"), "margin": 2_000 * 10**6}
INV = {"qty": D("20000"), "entry": D("20000"), "margin": 10**7}


@pytest.mark.parametrize(
    ("contract", "position", "side", "bankruptcy", "liquidation"),
    [
        # E − M/Q = 18000; 18000 / 0.995 = 18090.452… → up to 18090.5
        (LINEAR, LIN, f.LONG, "18000.0", "18090.5"),
        # E + M/Q = 22000; 22000 / 1.005 = 21890.547… → down to 21890.5
        (LINEAR, LIN, f.SHORT, "22000.0", "21890.5"),
        # E·L/(L+1) = 20000·10/11 = 18181.81… → up to 18182.0
        # QF(1+mmr)/(M + QF/E) = 20100 / 1.1 = 18272.72… → up to 18273.0
        (INVERSE, INV, f.LONG, "18182.0", "18273.0"),
        # E·L/(L−1) = 20000·10/9 = 22222.22… → down to 22222.0
        # QF(1−mmr)/(QF/E − M) = 19900 / 0.9 = 22111.11… → down to 22111.0
        (INVERSE, INV, f.SHORT, "22222.0", "22111.0"),
    ],
)
def test_price_table(contract, position, side, bankruptcy, liquidation):
    assert f.bankruptcy_price(contract, side=side, **position) == D(bankruptcy)
    assert f.liquidation_price(contract, side=side, mmr=MMR, **position) == D(liquidation)


def test_exact_tick_results_are_not_pushed_a_tick():
    # (20000 − 2090) / 0.995 = 18000 exactly: rounding up must not add a tick.
    exact = f.liquidation_price(
        LINEAR, side=f.LONG, qty=D("1"), entry=D("20000"), margin=2_090 * 10**6, mmr=MMR
    )
    assert exact == D("18000.0")
    # 18100 / 0.95 = 19052.63… → up to 19052.7
    inexact = f.liquidation_price(
        LINEAR, side=f.LONG, qty=D("1"), entry=D("20000"), margin=1_900 * 10**6, mmr=D("0.05")
    )
    assert inexact == D("19052.7")


def test_inverse_short_with_leverage_at_most_one_never_goes_bankrupt():
    unlevered = {"qty": D("20000"), "entry": D("20000"), "margin": 10**8}  # L = 1
    assert f.bankruptcy_price(INVERSE, side=f.SHORT, **unlevered) is None
    assert f.liquidation_price(INVERSE, side=f.SHORT, mmr=MMR, **unlevered) is None


def test_overcollateralised_linear_long_has_no_prices():
    rich = {"qty": D("1"), "entry": D("20000"), "margin": 25_000 * 10**6}
    assert f.bankruptcy_price(LINEAR, side=f.LONG, **rich) is None
    assert f.liquidation_price(LINEAR, side=f.LONG, mmr=MMR, **rich) is None


def test_seed003_scenarios_equity_at_close():
    # Scenario 1: closed at 18050 above P_b 18000: equity 50 USDC (goes to the fund at rate 1).
    loss = f.pnl(LINEAR, side=f.LONG, qty=D("1"), entry=D("20000"), price=D("18050"))
    assert loss == -1_950 * 10**6
    assert f.equity(margin=LIN["margin"], pnl_amount=loss) == 50 * 10**6
    # Scenario 2: closed at 17900 below P_b: equity −100 USDC, the fund covers it.
    loss = f.pnl(LINEAR, side=f.LONG, qty=D("1"), entry=D("20000"), price=D("17900"))
    assert f.equity(margin=LIN["margin"], pnl_amount=loss) == -100 * 10**6


def test_inverse_pnl_is_floored_against_the_trader():
    # long: 20000·(1/20000 − 1/18000) = −0.111111111… BTC → −11111111.1 sat → −11111112
    assert (
        f.pnl(INVERSE, side=f.LONG, qty=D("20000"), entry=D("20000"), price=D("18000"))
        == -11_111_112
    )
    # short: +11111111.1 sat → 11111111 (a gain rounds down)
    assert (
        f.pnl(INVERSE, side=f.SHORT, qty=D("20000"), entry=D("20000"), price=D("18000"))
        == 11_111_111
    )


def test_linear_pnl_floor_below_one_unit():
    cents = f.Contract(kind=f.LINEAR, decimals=2, tick=D("1"), lot=D("0.001"))
    assert f.pnl(cents, side=f.LONG, qty=D("0.001"), entry=D("100"), price=D("101")) == 0
    assert f.pnl(cents, side=f.LONG, qty=D("0.001"), entry=D("101"), price=D("100")) == -1


def test_notional():
    assert f.notional(LINEAR, qty=D("0.5"), price=D("60000")) == 30_000 * 10**6
    # 20000 contracts of $1 at 18000: 1.1111… BTC → floored
    assert f.notional(INVERSE, qty=D("20000"), price=D("18000")) == 111_111_111


def test_grid_helpers():
    assert f.to_tick(D("18090.45"), D("0.1"), up=True) == D("18090.5")
    assert f.to_tick(D("18090.45"), D("0.1"), up=False) == D("18090.4")
    assert f.lot_floor(D("0.0049"), D("0.001")) == D("0.004")
    assert f.on_grid(D("18090.5"), D("0.5")) and not f.on_grid(D("18090.4"), D("0.5"))
