"""Each adl_policy when the fund can cover only part of a shortfall (S = 100, A = 60 USDC)."""

import json
from decimal import Decimal as D

import pytest

from clearing.models import Position, Settlement
from clearing.services.replay import replay_run
from fund.models import LedgerAccount, Payout

pytestmark = pytest.mark.django_db
USDC = 10**6


def scenario(policy: str) -> list[str]:
    ts = "2025-10-10T20:00:00Z"
    rows = [
        {"type": "asset", "symbol": "USDC", "decimals": 6},
        {"type": "fund", "name": "main", "asset": "USDC", "balance": str(60 * USDC)},
        {
            "type": "market",
            "symbol": "BTC-USDC",
            "kind": "linear",
            "fund": "main",
            "lot": "0.001",
            "tick": "0.1",
            "mmr": "0.005",
        },
        {"type": "params", "scope": "market:BTC-USDC", "values": {"adl_policy": policy}},
    ]
    for account in ("alice", "frank", "grace"):
        rows.append(
            {"type": "deposit", "account": account, "asset": "USDC", "amount": str(10_000 * USDC)}
        )
    fills = [
        ("alice", "buy", "1", 2_000),
        ("frank", "sell", "0.3", 600),
        ("grace", "sell", "0.7", 7_000),
    ]
    for account, side, qty, margin in fills:
        rows.append(
            {
                "type": "fill",
                "id": account,
                "account": account,
                "market": "BTC-USDC",
                "side": side,
                "qty": qty,
                "price": "20000",
                "fee": "0",
                "margin": str(margin * USDC),
                "ts": ts,
            }
        )
    rows.append(
        {"type": "mark", "market": "BTC-USDC", "price": "18090", "ts": "2025-10-10T21:00:00Z"}
    )
    rows.append(
        {
            "type": "close",
            "account": "alice",
            "market": "BTC-USDC",
            "price": "17900",
            "ts": "2025-10-10T21:00:01Z",
        }
    )
    return [json.dumps(row) for row in rows]


def run(policy):
    report = replay_run(lines=scenario(policy))
    (row,) = report["liquidations"]
    return row, report


def test_adl_closes_what_the_fund_affords_and_deleverages_the_rest():
    row, report = run("adl")
    # d = 100 USDC/BTC: 0.6 BTC closes at 17,900, 0.4 BTC is matched at P_b 18,000;
    # frank (10×, +573 at the mark) is ahead of grace (1×, +1,337) in the queue.
    assert row["adl"] == [{"account": "frank", "qty": "0.3"}, {"account": "grace", "qty": "0.1"}]
    assert (row["fund_delta"], row["deficit"], row["socialized"]) == (str(-60 * USDC), "0", "0")
    assert report["funds"] == {"main": "0"}
    settlement = Settlement.objects.get()
    assert settlement.legs == [
        {"qty": "0.6", "price": "17900", "pnl": str(-1_260 * USDC)},
        {"qty": "0.4", "price": "18000", "pnl": str(-800 * USDC)},
    ]
    frank = Position.objects.get(account="frank")
    grace = Position.objects.get(account="grace")
    assert frank.status == "closed" and grace.qty == D("0.6")
    # frank realised 0.3 × (20,000 − 18,000) = 600 on top of his 600 margin.
    frank_balance = LedgerAccount.objects.get(kind="trader_balance", key="frank").balance
    assert frank_balance == 10_000 * USDC + 600 * USDC


def test_socialize_charges_winners_pro_rata_to_profit_at_the_mark():
    row, _ = run("socialize")
    assert (row["fund_delta"], row["socialized"], row["deficit"]) == (
        str(-60 * USDC),
        str(40 * USDC),
        "0",
    )
    charges = {c["account"]: c["amount"] for c in Settlement.objects.get().socialized_charges}
    # upnl at 18,090: frank 573, grace 1,337 → 40 × 573/1,910 = 12 and 28.
    assert charges == {"frank": str(12 * USDC), "grace": str(28 * USDC)}
    # The charge moves each short's entry down by charge/qty = 40 USDC.
    assert Position.objects.get(account="frank").entry_price == D("19960")
    assert Position.objects.get(account="grace").entry_price == D("19960")
    assert LedgerAccount.objects.get(kind="socialized_loss").balance == -40 * USDC


def test_review_leaves_a_payout_for_staff():
    row, _ = run("review")
    assert (row["fund_delta"], row["review"], row["deficit"]) == (
        str(-60 * USDC),
        str(40 * USDC),
        "0",
    )
    payout = Settlement.objects.get().review_payout
    assert payout.kind == Payout.Kind.SHORTFALL_REVIEW and payout.amount == 40 * USDC
    assert payout.status == Payout.Status.PENDING
    deficit = LedgerAccount.objects.get(kind="uncovered_deficit", key="BTC-USDC")
    assert deficit.balance == -40 * USDC


@pytest.mark.parametrize("policy", ["adl", "socialize", "review"])
def test_value_is_conserved_per_asset(policy):
    run(policy)
    balances = LedgerAccount.objects.values_list("balance", flat=True)
    assert sum(balances) == 0
    assert LedgerAccount.objects.get(kind="fund").balance >= 0
