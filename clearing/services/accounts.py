"""The ledger accounts clearing posts to, named in one place (see fund.models.LedgerAccount).

Inside ``accounts_cached()`` naming an account costs no query: each (kind, key) gets one
stand-in, and ``accounts_resolve()`` fills every stand-in named so far from one query
(creating the few accounts that do not exist yet) before the entries naming them are posted.
A settlement batch names thousands of traders' accounts, and the same fund, counterparty and
deficit accounts over and over; reading them as they were named cost a query per trader
(decisions 032 and 033). Outside ``accounts_cached()`` each call reads (or creates) at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from clearing.models import Market
from clearing.selectors.rows import columns, unsaved
from fund.models import Asset, Fund, LedgerAccount
from fund.services.ledger import ledger_account

Kind = LedgerAccount.Kind
RESOLVED = ("id", "kind", "key", "fund_id", "balance", "protected")


@dataclass
class _Named:
    asset: Asset
    accounts: dict[tuple[str, str], LedgerAccount] = field(default_factory=dict)
    unresolved: list[LedgerAccount] = field(default_factory=list)


_cache: ContextVar[_Named | None] = ContextVar("clearing_accounts", default=None)


@contextmanager
def accounts_cached(*, asset: Asset) -> Iterator[None]:
    """Name accounts of ``asset`` without a query inside; ``accounts_resolve()`` before posting."""
    token = _cache.set(_Named(asset=asset))
    try:
        yield
    finally:
        _cache.reset(token)


def accounts_resolve() -> None:
    """Fill in the stand-ins named since the last call: one query, a create per missing one."""
    named = _cache.get()
    if named is None or not named.unresolved:
        return
    keys: dict[str, list[str]] = {}
    for account in named.unresolved:
        keys.setdefault(account.kind, []).append(account.key)
    found = {(row[1], row[2]): row for row in _accounts_read(named.asset, keys)}
    for account in named.unresolved:
        row = found.get((account.kind, account.key))
        if row is None:
            fund = Fund.objects.get(pk=account.fund_id) if account.fund_id else None
            created = ledger_account(
                kind=account.kind, asset=named.asset, key=account.key, fund=fund
            )
            row = tuple(getattr(created, name) for name in RESOLVED)
        account.pk, _, _, account.fund_id, account.balance, account.protected = row
        account._state.adding = False
        account._state.db = LedgerAccount.objects.db
    named.unresolved.clear()


def _accounts_read(asset: Asset, keys: dict[str, list[str]]) -> list:
    """Rows of ``RESOLVED`` for the accounts of ``asset`` named by kind and keys.

    On PostgreSQL the statement is written out, one array per kind (building it with the ORM
    cost a one-by-one settlement more than the read itself, decision 036).
    """
    if connection.vendor != "postgresql":
        query = Q()
        for kind, names in keys.items():
            query |= Q(kind=kind, key__any=names)
        return list(LedgerAccount.objects.filter(query, asset=asset).values_list(*RESOLVED))
    resolved = columns(LedgerAccount, RESOLVED)
    # Each (kind, key) pair is looked up in the unique (kind, asset, key) index: an OR of
    # ``kind = … AND key = ANY(…)`` per kind, or a plain join to the pairs, was planned as a
    # scan of every account of the asset (45–140 ms for a batch's 3,000 names among 224,000
    # accounts, against ≈ 15 ms of lookups). The LATERAL subquery with LIMIT (a no-op on a
    # unique key) cannot become a hash join: each name is one probe (decision 028).
    sql = (
        f"SELECT {resolved.sql('a')} FROM unnest(%s::text[], %s::text[]) AS n(kind, key) "  # noqa: S608 - model metadata
        f"CROSS JOIN LATERAL (SELECT * FROM {LedgerAccount._meta.db_table} a "
        "WHERE a.kind = n.kind AND a.asset_id = %s AND a.key = n.key LIMIT 1) a"
    )
    pairs = [(kind, key) for kind, names in keys.items() for key in names]
    with connection.cursor() as cursor:
        cursor.execute(sql, [[kind for kind, _ in pairs], [key for _, key in pairs], asset.pk])
        return [resolved.convert(row) for row in cursor.fetchall()]


def _account(kind: str, asset: Asset, key: str, fund: Fund | None = None) -> LedgerAccount:
    named = _cache.get()
    if named is None or named.asset.pk != asset.pk:
        return ledger_account(kind=kind, asset=asset, key=key, fund=fund)
    found = named.accounts.get((kind, key))
    if found is None:
        # Positional construction (``unsaved``): with the asset and fund objects, keyword
        # construction cost more per trader than deciding their settlement.
        found = named.accounts[(kind, key)] = unsaved(
            LedgerAccount, kind=kind, asset_id=asset.pk, key=key, fund_id=fund.pk if fund else None
        )
        named.unresolved.append(found)
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
