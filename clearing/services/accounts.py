"""The ledger accounts clearing posts to, named in one place (see fund.models.LedgerAccount).

Inside ``accounts_cached()`` each account is read once: a settlement batch names the same
fund, counterparty and deficit accounts thousands of times, and it prefetches the traders'
margin and balance accounts with one query each (they dominated the batch's queries).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from clearing.models import Market
from fund.models import Asset, Fund, LedgerAccount
from fund.services.ledger import ledger_account

Kind = LedgerAccount.Kind
_cache: ContextVar[dict | None] = ContextVar("clearing_accounts", default=None)


@contextmanager
def accounts_cached(*, asset: Asset, keys: Iterable[tuple[str, str]] = ()) -> Iterator[None]:
    """Read each account once inside; prefetch the existing ones of ``keys`` (kind, key)."""
    cache: dict = {}
    wanted: dict[str, list[str]] = {}
    for kind, key in keys:
        wanted.setdefault(kind, []).append(key)
    for kind, names in wanted.items():
        for account in LedgerAccount.objects.filter(kind=kind, asset=asset, key__in=names):
            cache[(kind, asset.pk, account.key)] = account
    token = _cache.set(cache)
    try:
        yield
    finally:
        _cache.reset(token)


def _account(kind: str, asset: Asset, key: str, fund: Fund | None = None) -> LedgerAccount:
    cache = _cache.get()
    if cache is None:
        return ledger_account(kind=kind, asset=asset, key=key, fund=fund)
    found = cache.get((kind, asset.pk, key))
    if found is None:
        found = cache[(kind, asset.pk, key)] = ledger_account(
            kind=kind, asset=asset, key=key, fund=fund
        )
    return found


def insurance_account(fund: Fund) -> LedgerAccount:
    """The fund's own account (``fund.services.ledger.fund_account``, through the cache)."""
    return _account(Kind.FUND, fund.asset, fund.name, fund)


def balance_account(account: str, asset: Asset) -> LedgerAccount:
    return _account(Kind.TRADER_BALANCE, asset, account)


def margin_account(account: str, market: Market) -> LedgerAccount:
    return _account(Kind.TRADER_MARGIN, market.asset, f"{account}|{market.symbol}")


def counterparty_account(market: Market) -> LedgerAccount:
    return _account(Kind.COUNTERPARTY, market.asset, market.symbol)


def fee_income_account(asset: Asset) -> LedgerAccount:
    return _account(Kind.FEE_INCOME, asset, asset.symbol)


def socialized_account(market: Market) -> LedgerAccount:
    return _account(Kind.SOCIALIZED_LOSS, market.asset, market.symbol)


def deficit_account(market: Market) -> LedgerAccount:
    """The market's uncovered deficit; a reviewed payout, once approved, refills it."""
    return _account(Kind.UNCOVERED_DEFICIT, market.asset, market.symbol)


def external_account(asset: Asset) -> LedgerAccount:
    return _account(Kind.EXTERNAL, asset, asset.symbol)


def transfer(source: LedgerAccount, target: LedgerAccount, amount: int) -> list:
    """Postings moving ``amount`` from source to target (reversed when negative; credit first)."""
    if amount == 0:
        return []
    if amount < 0:
        source, target, amount = target, source, -amount
    return [(target, amount), (source, -amount)]
