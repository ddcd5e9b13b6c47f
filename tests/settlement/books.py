"""Small crash books built through the real services, and the books they end in, normalized.

``crash_book(tag=...)`` makes fund ``tag`` with market ``tag-USDC``: leveraged longs, a few
shorts in profit and a maker, then three marks down, each followed by the venue's closes
(some beyond the bankruptcy price). Everything named after ``tag`` so the same input can be
built several times side by side and the outcomes compared with ``books_of(tag)``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from clearing import formulas
from clearing.models import Liquidation, Position, Settlement
from fund.models import Asset, LedgerAccount

T0 = datetime(2025, 10, 10, 20, 0, tzinfo=UTC)
USDC = 10**6
MARKS = (D("19000"), D("18000"), D("17000"))
CLOSES_PER_CALL = 4


def usdc() -> Asset:
    from fund.services.funds import asset_create

    return Asset.objects.filter(symbol="USDC").first() or asset_create(
        symbol="USDC", decimals=6, actor="test"
    )


def crash_book(*, tag: str, traders: int = 30, policy: str = "adl", seed: int = 7) -> list[int]:
    """Build the book and close every liquidation; returns the liquidation ids in close order.

    Closes go in several ``closes_ingest`` calls, each queueing the market's settlement task
    on commit (eager in plain tests, to Redis when the ``workers`` fixture is active), so
    several tasks of one market compete when several workers run.
    """
    closes = crash_book_open(tag=tag, traders=traders, policy=policy, seed=seed)
    return crash_book_close(closes)


def crash_book_close(closes: list) -> list[int]:
    from clearing.services.marks import closes_ingest

    for start in range(0, len(closes), CLOSES_PER_CALL):
        closes_ingest(closes=closes[start : start + CLOSES_PER_CALL])
    return list(
        Liquidation.objects.filter(market__symbol=closes[0].market)
        .order_by("closed_at", "id")
        .values_list("id", flat=True)
    )


def crash_book_open(*, tag: str, traders: int, policy: str = "adl", seed: int = 7) -> list:
    """Everything up to the takeovers; returns the venue's closes, not yet sent."""
    from clearing.services.fills import FillInput, fills_ingest
    from clearing.services.markets import fund_top_up, market_create, trader_deposit
    from clearing.services.marks import CloseInput, MarkInput, marks_ingest
    from fund.services.funds import fund_create
    from governance.services.params import param_value_set

    rng = random.Random(seed)
    asset = usdc()
    fund = fund_create(name=tag, asset=asset, actor="test")
    symbol = f"{tag}-USDC"
    market = market_create(
        symbol=symbol,
        kind="linear",
        fund=fund,
        lot=D("0.001"),
        tick=D("0.1"),
        mmr=D("0.005"),
        actor="test",
    )
    early = T0 - timedelta(hours=1)
    for name, scope, value in (
        ("adl_policy", f"market:{symbol}", policy),
        ("payout_cap_per_event", f"fund:{tag}", str(150 * USDC)),
        ("daily_payout_cap", f"fund:{tag}", str(1_500 * USDC)),
    ):
        param_value_set(
            name=name, scope=scope, value=value, source="test", actor="test", effective_at=early
        )
    fund_top_up(fund=fund, amount=3_000 * USDC, key=f"{tag}:top", event_time=early)
    fills = []
    for index in range(traders):
        qty = D(rng.randint(100, 2_000)) * D("0.001")
        price = D(20_000 + rng.randint(-100, 100))
        margin = int(qty * price * USDC) // rng.choice([8, 10, 20, 25, 50])
        fills.append((f"{tag}-t{index:03d}", "buy", qty, price, margin))
    for index in range(4):  # shorts in profit after the drop: the ADL and socialize book
        qty = D(rng.randint(100, 500)) * D("0.001")
        fills.append((f"{tag}-s{index}", "sell", qty, D(20_500 + index), int(qty * 20_500) * USDC))
    fills.append((f"{tag}-maker", "sell", D("40"), D("20000"), 400_000 * USDC))
    for account, _, _, _, margin in fills:
        trader_deposit(
            account=account, asset=asset, amount=margin, key=f"{account}:dep", event_time=early
        )
    fills_ingest(
        fills=[
            FillInput(
                id=f"{account}:open",
                account=account,
                market=symbol,
                side=side,
                qty=qty,
                price=price,
                fee=0,
                margin=margin,
                ts=T0 + timedelta(seconds=index),
            )
            for index, (account, side, qty, price, margin) in enumerate(fills)
        ]
    )
    moment = T0 + timedelta(hours=1)
    for mark in MARKS:
        moment += timedelta(minutes=5)
        marks_ingest(marks=[MarkInput(symbol, mark, moment)])
    closes = []
    taken = Liquidation.objects.filter(market=market).order_by("taken_over_at", "account")
    for offset, liquidation in enumerate(taken, start=1):
        slip = D(rng.randint(0, 60)) / 1_000
        price = formulas.to_tick(liquidation.mark_price * (1 - slip), D("0.1"), up=False)
        closes.append(
            CloseInput(liquidation.account, symbol, price, moment + timedelta(seconds=offset))
        )
    return closes


def _plain(text: str, tag: str) -> str:
    return text.replace(tag, "X")


def books_of(tag: str) -> dict:
    """Everything settling decided for book ``tag``, with names made comparable across tags."""
    settlements = []
    for s in Settlement.objects.filter(liquidation__market__symbol=f"{tag}-USDC").order_by(
        "liquidation__closed_at", "liquidation_id"
    ):
        settlements.append(
            {
                "account": _plain(s.liquidation.account, tag),
                "amounts": [
                    s.equity,
                    s.shortfall,
                    s.cover_available,
                    s.fund_delta,
                    s.trader_return,
                    s.socialized,
                    s.deficit,
                    s.review,
                ],
                "policy": s.policy,
                "settled_at": s.settled_at,
                "legs": s.legs,
                "adl": [
                    {**row, "account": _plain(row["account"], tag), "position": 0} for row in s.adl
                ],
                "socialized": [
                    {**row, "account": _plain(row["account"], tag), "position": 0}
                    for row in s.socialized_charges
                ],
                "inputs": {k: _plain(str(v), tag) for k, v in s.inputs.items()},
                "params": {k: v["value"] for k, v in s.params.items()},
                "entries": len(s.entry_ids),
                "review_payout": s.review_payout_id is not None,
            }
        )
    balances = {
        (account.kind, _plain(account.key, tag)): account.balance
        for account in LedgerAccount.objects.filter(key__contains=tag)
    }
    state = [  # every column but those that differ between two copies of a book
        field.attname
        for field in Position._meta.concrete_fields
        if field.attname not in ("id", "account", "market_id", "updated_at")
    ]
    positions = sorted(
        (_plain(p.account, tag), *(str(getattr(p, name)) for name in state))
        for p in Position.objects.filter(market__symbol=f"{tag}-USDC")
    )
    return {"settlements": settlements, "balances": balances, "positions": positions}
