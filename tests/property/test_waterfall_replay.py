"""hypothesis through the real services: random books and price paths, replayed on PostgreSQL.

Each example is a small scenario (one market, a handful of leveraged accounts and a maker, a
random path of marks); whatever the marks take over settles at the last mark. Checked: every
asset's books still sum to zero with their caches right, no fund pays below its floor or
beyond its caps, and every non-ADL settlement accounts for the whole equity. (ADL ordering is
checked on the pure decision in test_waterfall_properties.py.)
"""

import itertools
import json
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearing import formulas as f
from clearing.models import Position, Settlement
from clearing.services.replay import replay_run
from fund.models import LedgerAccount
from fund.services.ledger_verify import balances_verify

pytestmark = pytest.mark.django_db
COUNTER = itertools.count()
CONTRACTS = {
    "linear": f.Contract(kind="linear", decimals=6, tick=D("0.1"), lot=D("0.001")),
    "inverse": f.Contract(kind="inverse", decimals=8, tick=D("0.5"), lot=D("1")),
}


@st.composite
def scenarios(draw):
    n = next(COUNTER)
    kind = draw(st.sampled_from(["linear", "inverse"]))
    contract = CONTRACTS[kind]
    asset, symbol, fund = f"A{n}", f"M{n}", f"f{n}"
    decimals = contract.decimals
    balance = draw(st.integers(0, 10**decimals * 2))
    floor = draw(st.integers(0, balance))
    cap = draw(st.none() | st.integers(0, 10**decimals))
    daily = draw(st.none() | st.integers(0, 10**decimals * 2))
    policy = draw(st.sampled_from(["adl", "socialize", "review"]))
    rows = [
        {"type": "asset", "symbol": asset, "decimals": decimals},
        {"type": "fund", "name": fund, "asset": asset, "balance": str(balance)},
        {
            "type": "market",
            "symbol": symbol,
            "kind": kind,
            "fund": fund,
            "lot": str(contract.lot),
            "tick": str(contract.tick),
            "mmr": "0.005",
        },
        {
            "type": "params",
            "scope": f"market:{symbol}",
            "values": {"adl_policy": policy, "max_mark_jump": "0.5", "coverage_critical": "0"},
        },
        {
            "type": "params",
            "scope": f"fund:{fund}",
            "values": {
                "reserve_floor": str(floor),
                "payout_cap_per_event": None if cap is None else str(cap),
                "daily_payout_cap": None if daily is None else str(daily),
            },
        },
    ]
    entry = D(20000)
    net = D(0)
    for i in range(draw(st.integers(2, 8))):
        side = draw(st.sampled_from(["buy", "sell"]))
        lots = draw(st.integers(1, 3000 if kind == "linear" else 40000))
        qty = lots * contract.lot
        margin = max(1, f.notional(contract, qty=qty, price=entry) // draw(st.integers(2, 100)))
        account = f"{symbol}-t{i}"
        rows.append({"type": "deposit", "account": account, "asset": asset, "amount": str(margin)})
        rows.append(
            {
                "type": "fill",
                "id": f"{symbol}-{i}",
                "account": account,
                "market": symbol,
                "side": side,
                "qty": str(qty),
                "price": str(entry),
                "fee": "0",
                "margin": str(margin),
                "ts": "2025-10-10T20:00:00Z",
            }
        )
        net += qty if side == "buy" else -qty
    if net:
        margin = f.notional(contract, qty=abs(net), price=entry) // 2
        rows.append(
            {"type": "deposit", "account": f"{symbol}-mm", "asset": asset, "amount": str(margin)}
        )
        rows.append(
            {
                "type": "fill",
                "id": f"{symbol}-mm",
                "account": f"{symbol}-mm",
                "market": symbol,
                "side": "sell" if net > 0 else "buy",
                "qty": str(abs(net)),
                "price": str(entry),
                "fee": "0",
                "margin": str(margin),
                "ts": "2025-10-10T20:00:00Z",
            }
        )
    price = entry
    for step in range(draw(st.integers(1, 5))):
        price = f.to_tick(
            price * (1 + D(draw(st.integers(-30, 30))) / 100), contract.tick, up=False
        )
        rows.append(
            {
                "type": "mark",
                "market": symbol,
                "price": str(price),
                "ts": f"2025-10-10T21:0{step}:00Z",
            }
        )
    return [json.dumps(row) for row in rows], (balance, floor, cap, daily, policy)


@settings(max_examples=8)
@given(scenarios())
def test_services_conserve_value_and_respect_limits(case):
    lines, (balance, floor, cap, daily, policy) = case
    before = set(Settlement.objects.values_list("id", flat=True))
    report = replay_run(lines=lines)
    settlements = Settlement.objects.exclude(id__in=before).select_related("liquidation")
    paid = 0
    for settlement in settlements:
        cover = max(0, -settlement.fund_delta)
        paid += cover
        assert cap is None or cover <= cap
        if settlement.adl:
            continue
        liquidation = settlement.liquidation
        assert liquidation.margin + sum(int(leg["pnl"]) for leg in settlement.legs) == (
            settlement.trader_return
            + settlement.fund_delta
            - settlement.socialized
            - settlement.deficit
            - settlement.review
        )
    assert daily is None or paid <= daily
    (fund_balance,) = report["funds"].values()
    assert int(fund_balance) >= floor or paid == 0
    for asset in LedgerAccount.objects.values_list("asset", flat=True).distinct():
        assert sum(LedgerAccount.objects.filter(asset=asset).values_list("balance", flat=True)) == 0
    assert balances_verify() is None
    assert not Position.objects.filter(margin__lt=0).exists()
