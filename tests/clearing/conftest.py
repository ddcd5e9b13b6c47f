"""Clearing fixtures: a USDC fund with a linear BTC market, built through the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

T0 = datetime(2025, 10, 10, 20, 0, tzinfo=UTC)
USDC = 10**6


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def book(db):
    """A small venue: helpers to deposit, fill, mark and close on BTC-USDC (fund ``main``)."""
    from clearing.services.fills import FillInput, fills_ingest
    from clearing.services.markets import fund_top_up, market_create, trader_deposit
    from clearing.services.marks import CloseInput, MarkInput, closes_ingest, marks_ingest
    from fund.services.funds import asset_create, fund_create

    class Book:
        usdc = asset_create(symbol="USDC", decimals=6, actor="test")
        fund = fund_create(name="main", asset=usdc, actor="test")
        market = market_create(
            symbol="BTC-USDC",
            kind="linear",
            fund=fund,
            lot=D("0.001"),
            tick=D("0.1"),
            mmr=D("0.005"),
            actor="test",
        )
        counter = 0

        def top_up(self, amount):
            self.counter += 1
            fund_top_up(fund=self.fund, amount=amount, key=f"t{self.counter}", event_time=T0)

        def deposit(self, account, amount):
            self.counter += 1
            trader_deposit(
                account=account,
                asset=self.usdc,
                amount=amount,
                key=f"d{self.counter}",
                event_time=T0,
            )

        def fill(self, account, side, qty, price, margin=0, fee=0, minute=0, fill_id=None):
            self.counter += 1
            item = FillInput(
                id=fill_id or f"f{self.counter}",
                account=account,
                market="BTC-USDC",
                side=side,
                qty=D(qty),
                price=D(price),
                fee=fee,
                margin=margin,
                ts=at(minute),
            )
            return fills_ingest(fills=[item])[0]

        def mark(self, price, minute=1):
            return marks_ingest(marks=[MarkInput("BTC-USDC", D(price), at(minute))])

        def close(self, account, price, minute=2):
            return closes_ingest(closes=[CloseInput(account, "BTC-USDC", D(price), at(minute))])

    return Book()
