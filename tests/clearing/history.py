"""A small known clearing history around a 30-day window ending at UNTIL (2026-03-01).

Before the window: positions opened (one with an average entry off the tick grid), one
liquidated with the fund paying its per-event cap and ADL taking the rest, one reduced. Inside
it: a cap change, a deposit, new and reducing fills, and two liquidations (cover, then cover
and ADL). Replay lines in DESIGN.md's format; ``history_lines(shift=…)`` moves every time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from django.utils.dateparse import parse_datetime

UNTIL = datetime(2026, 3, 1, tzinfo=UTC)
USDC = 10**6


def fill(fid, account, side, qty, price, margin, ts, fee=0):
    return {
        "type": "fill",
        "id": fid,
        "account": account,
        "market": "BTC-USDC",
        "side": side,
        "qty": qty,
        "price": price,
        "fee": str(fee),
        "margin": str(margin * USDC),
        "ts": ts,
    }


def mark(price, ts):
    return {"type": "mark", "market": "BTC-USDC", "price": price, "ts": ts}


def close(account, price, ts):
    return {"type": "close", "account": account, "market": "BTC-USDC", "price": price, "ts": ts}


HISTORY = [
    {"type": "asset", "symbol": "USDC", "decimals": 6},
    {"type": "fund", "name": "main", "asset": "USDC", "balance": str(1000 * USDC)},
    {
        "type": "market",
        "symbol": "BTC-USDC",
        "kind": "linear",
        "fund": "main",
        "lot": "0.001",
        "tick": "0.1",
        "mmr": "0.005",
    },
    {"type": "params", "scope": "market:BTC-USDC", "values": {"adl_policy": "adl"}},
    {"type": "params", "scope": "fund:main", "values": {"payout_cap_per_event": str(50 * USDC)}},
    *(
        {"type": "deposit", "account": name, "asset": "USDC", "amount": str(100_000 * USDC)}
        for name in ("alice", "bob", "carol", "dave", "erin")
    ),
    # Before the window: alice's average entry is off the tick grid (60000.4333…).
    fill("a1", "alice", "buy", "1", "60000", 6000, "2026-01-10T10:00:00Z", fee=12 * USDC),
    fill("b1", "bob", "sell", "1", "60000", 6000, "2026-01-10T10:00:00Z", fee=12 * USDC),
    fill("a2", "alice", "buy", "0.5", "60001.3", 3000, "2026-01-10T11:00:00Z"),
    fill("c1", "carol", "sell", "0.8", "60001.3", 4800, "2026-01-10T11:00:00Z"),
    fill("d1", "dave", "buy", "0.2", "60000", 300, "2026-01-10T12:00:00Z"),
    fill("e1", "erin", "sell", "0.2", "60000", 2000, "2026-01-10T12:00:00Z"),
    mark("59500", "2026-01-11T00:00:00Z"),
    # dave is taken over and closed below bankruptcy: the fund pays its cap, ADL the rest.
    mark("58700", "2026-01-11T01:00:00Z"),
    close("dave", "58000", "2026-01-11T01:00:01Z"),
    fill("b2", "bob", "buy", "0.3", "59000", 0, "2026-01-15T09:00:00Z"),
    # Inside the window.
    mark("59000", "2026-02-01T09:00:00Z"),
    {"type": "params", "scope": "fund:main", "values": {"payout_cap_per_event": str(80 * USDC)}},
    {"type": "deposit", "account": "gina", "asset": "USDC", "amount": str(5000 * USDC)},
    fill("g1", "gina", "buy", "0.1", "59000", 200, "2026-02-01T10:00:00Z", fee=2 * USDC),
    fill("c2", "carol", "buy", "0.1", "58000", 0, "2026-02-01T12:00:00Z"),
    mark("57200", "2026-02-02T00:00:00Z"),
    close("gina", "56500", "2026-02-02T00:00:01Z"),
    mark("54000", "2026-02-03T00:00:00Z"),
    close("alice", "53000", "2026-02-03T00:00:01Z"),
]


def history_lines(*, shift: timedelta = timedelta(0)) -> list[str]:
    """HISTORY as replay lines, every time moved by ``shift``."""
    lines = []
    for line in HISTORY:
        if "ts" in line:
            line = {**line, "ts": (parse_datetime(line["ts"]) + shift).isoformat()}
        lines.append(json.dumps(line))
    return lines
