"""Creating markets and moving outside money in: trader deposits and treasury top-ups."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from clearing.models import Market
from clearing.services.accounts import balance_account, external_account, transfer
from common.exceptions import Conflict, Invalid
from common.services.audit import audit_log_write
from fund.models import Asset, Entry, Fund
from fund.services.ledger import fund_account, ledger_entry_post


def market_create(
    *,
    symbol: str,
    kind: str,
    fund: Fund,
    lot: Decimal,
    tick: Decimal,
    mmr: Decimal,
    imr: Decimal = Decimal(0),
    face: Decimal = Decimal(1),
    actor: str,
) -> Market:
    """A market settling in its fund's asset (a fund holds one settle asset)."""
    if kind not in Market.Kind.values:
        raise Invalid.field("kind", f"must be linear or inverse, got {kind!r}")
    for name, value in (("lot", lot), ("tick", tick), ("face", face)):
        if not value.is_finite() or value <= 0:
            raise Invalid.field(name, f"must be positive, got {value}")
    if not (0 <= mmr < 1) or not (0 <= imr < 1):
        raise Invalid.field("mmr", "margin rates must be in [0, 1)")
    if Market.objects.filter(symbol=symbol).exists():
        raise Conflict.field("symbol", f"market {symbol!r} already exists")
    with transaction.atomic():
        market = Market.objects.create(
            symbol=symbol,
            kind=kind,
            asset=fund.asset,
            fund=fund,
            lot=lot,
            tick=tick,
            face=face,
            mmr=mmr,
            imr=imr,
        )
        audit_log_write(
            actor=actor,
            action="backstop.clearing.market.created",
            object_type="market",
            object_id=market.pk,
            after={
                "symbol": symbol,
                "kind": kind,
                "fund": fund.name,
                "lot": str(lot),
                "tick": str(tick),
                "face": str(face),
                "mmr": str(mmr),
                "imr": str(imr),
            },
        )
    return market


def trader_deposit(
    *, account: str, asset: Asset, amount: int, key: str, event_time: datetime
) -> Entry:
    """Credit a trader's balance from outside (what the venue reports as a deposit)."""
    if amount <= 0:
        raise Invalid.field("amount", "a deposit must be positive")
    return ledger_entry_post(
        key=key,
        kind="deposit",
        postings=transfer(external_account(asset), balance_account(account, asset), amount),
        event_time=event_time,
        memo=f"deposit of {account}",
    )


def fund_top_up(*, fund: Fund, amount: int, key: str, event_time: datetime) -> Entry:
    """Treasury money into a fund (an inflow named in DESIGN.md "Funds")."""
    if amount <= 0:
        raise Invalid.field("amount", "a top-up must be positive")
    return ledger_entry_post(
        key=key,
        kind="top_up",
        postings=transfer(external_account(fund.asset), fund_account(fund), amount),
        event_time=event_time,
        fund=fund,
        memo=f"top-up of fund {fund.name}",
    )
