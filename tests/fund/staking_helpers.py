"""Helpers for staking tests: members with a ledger balance, fund gains and losses."""

from __future__ import annotations

import itertools
from datetime import datetime

from fund.models import Fund, LedgerAccount
from fund.services.ledger import fund_account, ledger_account, ledger_entry_post

_keys = itertools.count(1)


def address(n: int) -> str:
    return "0x" + f"{n:040x}"


def world(fund: Fund) -> LedgerAccount:
    return ledger_account(kind=LedgerAccount.Kind.EXTERNAL, asset=fund.asset, key=fund.asset.symbol)


def member_fund(fund: Fund, who: str, amount: int, *, at: datetime) -> LedgerAccount:
    """Give ``who`` a ledger balance of the fund's asset (a venue deposit)."""
    account = ledger_account(kind=LedgerAccount.Kind.TRADER_BALANCE, asset=fund.asset, key=who)
    ledger_entry_post(
        key=f"test-deposit-{next(_keys)}",
        kind="deposit",
        postings=[(world(fund), -amount), (account, amount)],
        event_time=at,
    )
    return account


def fund_move(fund: Fund, amount: int, *, at: datetime, kind: str | None = None) -> None:
    """A gain (amount > 0, a top-up or ``kind``) or a loss (amount < 0, shortfall cover)."""
    if amount == 0:
        return
    kind = kind or ("top_up" if amount > 0 else "shortfall_cover")
    ledger_entry_post(
        key=f"test-fund-{next(_keys)}",
        kind=kind,
        postings=[(world(fund), -amount), (fund_account(fund), amount)],
        event_time=at,
        fund=fund,
    )
