"""A crash day modelled on 10 October 2025, as replay lines (DESIGN.md "Replay").

Around 21:00 UTC on 10 Oct 2025 bitcoin fell roughly 15 % within minutes, order books thinned
out and liquidations closed far through their bankruptcy prices; many venues ran out of
insurance cover and auto-deleveraged. This generator rebuilds that shape with a seed:
``accounts`` traders open leveraged positions (mostly long) on a linear and an inverse BTC
market in the hour before, a market maker holds the other side, then marks walk the price
down 15 % in fifteen minutes and partly back. Every position a mark reaches is closed a few
seconds later with slippage that widens as the crash deepens, so some closes land beyond the
bankruptcy price; the funds are small and capped per event, so part of the losses go to ADL
(linear market) and to socialized loss (inverse market). A few taken-over positions get no
close and settle at the last mark when the scenario ends.

The generator uses the same formulas as the services, so it knows exactly which positions
each mark takes over.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from clearing import formulas
from clearing.formulas import LONG, SHORT, Contract, price_text

START = datetime(2025, 10, 10, 20, 0, tzinfo=UTC)
CRASH = datetime(2025, 10, 10, 21, 0, tzinfo=UTC)
TOP = Decimal("121500")
LEVERAGES = [2, 3, 5, 10, 10, 20, 20, 25, 50, 75, 100]
MARKETS = {
    "BTC-USDC": Contract(kind="linear", decimals=6, tick=Decimal("0.1"), lot=Decimal("0.001")),
    "BTC-USD": Contract(kind="inverse", decimals=8, tick=Decimal("0.5"), lot=Decimal("1")),
}
ASSET = {"BTC-USDC": "USDC", "BTC-USD": "BTC"}
FUND = {"BTC-USDC": "main", "BTC-USD": "btc"}
MMR = Decimal("0.005")


@dataclass
class _Position:
    account: str
    market: str
    side: str
    qty: Decimal
    entry: Decimal
    margin: int
    liquidation: Decimal | None
    taken: bool = False


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _path(rng: random.Random) -> list[tuple[datetime, Decimal]]:
    """Marks every 30 s from 21:00 to 21:25: −15 % by 21:15, back to about −9 % by 21:25."""
    marks = []
    for step in range(51):
        minutes = Decimal(step) / 2
        if minutes <= 15:
            drop = Decimal("0.15") * (minutes / 15) ** 2
        else:
            drop = Decimal("0.15") - Decimal("0.06") * (minutes - 15) / 10
        noise = Decimal(rng.randint(-20, 20)) / 10_000
        price = formulas.to_tick(TOP * (1 - drop + noise), Decimal("0.5"), up=False)
        marks.append((CRASH + timedelta(seconds=30 * step), price))
    return marks


def _open(rng: random.Random, index: int, market: str) -> _Position:
    contract = MARKETS[market]
    side = LONG if rng.random() < 0.75 else SHORT
    # Shorts enter at or above the top, so none is liquidated before the crash (the
    # generator then never has to guess which longs ADL touched).
    low = -150 if side == LONG else 0
    move = Decimal(rng.randint(low, 50)) / 10_000
    entry = formulas.to_tick(TOP * (1 + move), contract.tick, up=False)
    if contract.kind == "linear":
        qty = Decimal(rng.randint(10, 2_000)) * contract.lot
    else:
        qty = Decimal(rng.randint(1_000, 200_000)) * contract.lot
    notional = formulas.notional(contract, qty=qty, price=entry)
    margin = max(1, notional // rng.choice(LEVERAGES))
    liquidation = formulas.liquidation_price(
        contract, side=side, qty=qty, entry=entry, margin=margin, mmr=MMR
    )
    return _Position(f"t{index:05d}", market, side, qty, entry, margin, liquidation)


def crash_scenario_lines(*, accounts: int, seed: int) -> list[str]:
    """The scenario as JSON lines, identical for the same ``accounts`` and ``seed``."""
    rng = random.Random(seed)
    positions = [
        _open(rng, i, "BTC-USDC" if rng.random() < 0.8 else "BTC-USD") for i in range(accounts)
    ]
    positions += _market_makers(positions)
    open_interest = sum(
        formulas.notional(MARKETS["BTC-USDC"], qty=p.qty, price=TOP)
        for p in positions
        if p.market == "BTC-USDC" and p.side == LONG
    )
    rows: list[dict] = [
        {"type": "asset", "symbol": "USDC", "decimals": 6},
        {"type": "asset", "symbol": "BTC", "decimals": 8},
        {"type": "fund", "name": "main", "asset": "USDC", "balance": str(open_interest // 400)},
        {
            "type": "fund",
            "name": "btc",
            "asset": "BTC",
            "balance": str(max(accounts, 100) * 20_000),
        },
        {
            "type": "market",
            "symbol": "BTC-USDC",
            "kind": "linear",
            "fund": "main",
            "lot": "0.001",
            "tick": "0.1",
            "mmr": str(MMR),
        },
        {
            "type": "market",
            "symbol": "BTC-USD",
            "kind": "inverse",
            "fund": "btc",
            "face": "1",
            "lot": "1",
            "tick": "0.5",
            "mmr": str(MMR),
        },
        *[
            {
                "type": "params",
                "scope": f"market:{symbol}",
                "values": {"adl_policy": policy, "coverage_critical": "0", "max_mark_jump": "0.1"},
            }
            for symbol, policy in (("BTC-USDC", "adl"), ("BTC-USD", "socialize"))
        ],
        {
            "type": "params",
            "scope": "fund:main",
            "values": {"payout_cap_per_event": str(open_interest // 40_000)},
        },
        {"type": "params", "scope": "fund:btc", "values": {"payout_cap_per_event": "20000"}},
    ]
    for p in positions:
        fee = formulas.notional(MARKETS[p.market], qty=p.qty, price=p.entry) * 5 // 10_000
        rows.append(
            {
                "type": "deposit",
                "account": p.account,
                "asset": ASSET[p.market],
                "amount": str(p.margin + fee),
            }
        )
    for index, p in enumerate(positions):
        fee = formulas.notional(MARKETS[p.market], qty=p.qty, price=p.entry) * 5 // 10_000
        moment = START + timedelta(seconds=index * 3000 // max(len(positions), 1))
        rows.append(
            {
                "type": "fill",
                "id": f"{p.market}-{index}",
                "account": p.account,
                "market": p.market,
                "side": "buy" if p.side == LONG else "sell",
                "qty": price_text(p.qty),
                "price": price_text(p.entry),
                "fee": str(fee),
                "margin": str(p.margin),
                "ts": _ts(moment),
            }
        )
    rows += _crash(rng, positions)
    return [json.dumps(row, separators=(",", ":")) for row in rows]


def _market_makers(positions: list[_Position]) -> list[_Position]:
    """One maker per market holds the net opposite size at 5× leverage."""
    makers = []
    for market, contract in MARKETS.items():
        net = sum((p.qty if p.side == LONG else -p.qty) for p in positions if p.market == market)
        if net == 0:
            continue
        side = SHORT if net > 0 else LONG
        qty = abs(net)
        margin = formulas.notional(contract, qty=qty, price=TOP) // 5
        liquidation = formulas.liquidation_price(
            contract, side=side, qty=qty, entry=TOP, margin=margin, mmr=MMR
        )
        makers.append(_Position(f"maker-{market}", market, side, qty, TOP, margin, liquidation))
    return makers


def _crash(rng: random.Random, positions: list[_Position]) -> list[dict]:
    rows = []
    for moment, base in _path(rng):
        for market, contract in MARKETS.items():
            price = formulas.to_tick(base, contract.tick, up=False)
            rows.append(
                {"type": "mark", "market": market, "price": price_text(price), "ts": _ts(moment)}
            )
            depth = (TOP - price) / TOP  # slippage widens as the crash deepens
            for p in positions:
                if p.market != market or p.taken or p.liquidation is None:
                    continue
                if (p.side == LONG and p.liquidation >= price) or (
                    p.side == SHORT and p.liquidation <= price
                ):
                    p.taken = True
                    if rng.random() < 0.03:
                        continue  # no close: settles at the last mark when the scenario ends
                    slip = depth * Decimal(rng.randint(0, 40)) / 100
                    close = price * (1 - slip) if p.side == LONG else price * (1 + slip)
                    close = formulas.to_tick(close, contract.tick, up=p.side == SHORT)
                    later = moment + timedelta(seconds=rng.randint(1, 20))
                    rows.append(
                        {
                            "type": "close",
                            "account": p.account,
                            "market": market,
                            "price": price_text(close),
                            "ts": _ts(later),
                        }
                    )
    return rows
