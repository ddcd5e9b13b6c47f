"""The ledger accounts clearing posts to, named in one place (see fund.models.LedgerAccount)."""

from __future__ import annotations

from clearing.models import Market
from fund.models import Asset, LedgerAccount
from fund.services.ledger import ledger_account

Kind = LedgerAccount.Kind


def balance_account(account: str, asset: Asset) -> LedgerAccount:
    return ledger_account(kind=Kind.TRADER_BALANCE, asset=asset, key=account)


def margin_account(account: str, market: Market) -> LedgerAccount:
    return ledger_account(
        kind=Kind.TRADER_MARGIN, asset=market.asset, key=f"{account}|{market.symbol}"
    )


def counterparty_account(market: Market) -> LedgerAccount:
    return ledger_account(kind=Kind.COUNTERPARTY, asset=market.asset, key=market.symbol)


def fee_income_account(asset: Asset) -> LedgerAccount:
    return ledger_account(kind=Kind.FEE_INCOME, asset=asset, key=asset.symbol)


def socialized_account(market: Market) -> LedgerAccount:
    return ledger_account(kind=Kind.SOCIALIZED_LOSS, asset=market.asset, key=market.symbol)


def deficit_account(market: Market) -> LedgerAccount:
    """The market's uncovered deficit; a reviewed payout, once approved, refills it."""
    return ledger_account(kind=Kind.UNCOVERED_DEFICIT, asset=market.asset, key=market.symbol)


def external_account(asset: Asset) -> LedgerAccount:
    return ledger_account(kind=Kind.EXTERNAL, asset=asset, key=asset.symbol)


def transfer(source: LedgerAccount, target: LedgerAccount, amount: int) -> list:
    """Postings moving ``amount`` from source to target (reversed when negative; credit first)."""
    if amount == 0:
        return []
    if amount < 0:
        source, target, amount = target, source, -amount
    return [(target, amount), (source, -amount)]
