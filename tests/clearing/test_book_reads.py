"""What a settlement batch reads and builds in bulk: the opposite side, accounts, instances."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clearing.adl import HolderValuer
from clearing.models import Fill, Position
from clearing.selectors import holders_at_mark, open_book
from clearing.selectors.rows import unsaved
from clearing.services.accounts import (
    accounts_cached,
    accounts_resolve,
    balance_account,
    counterparty_account,
    margin_account,
)
from fund.models import LedgerAccount
from tests.clearing.conftest import T0, USDC

pytestmark = pytest.mark.django_db


def _position(market, account, side, *, opened_minutes, status=Position.Status.OPEN):
    return Position.objects.create(
        account=account,
        market=market,
        side=side,
        qty=D("0.5"),
        entry_price=D("20000"),
        margin=1_000 * USDC,
        status=status,
        opened_at=T0 + timedelta(minutes=opened_minutes),
    )


def test_open_book_is_one_open_side_in_id_order_with_its_place_by_opening(book):
    market = book.market
    late = _position(market, "a", "short", opened_minutes=9)
    early = _position(market, "b", "short", opened_minutes=1)
    tied = _position(market, "c", "short", opened_minutes=1)  # same time: the id decides
    _position(market, "d", "long", opened_minutes=0)
    _position(market, "e", "short", opened_minutes=0, status=Position.Status.TAKEN_OVER)
    rows = open_book(market, side="short")
    assert [row.id for row in rows] == [late.pk, early.pk, tied.pk]
    assert [row.opened for row in rows] == [2, 0, 1]
    assert rows[0].margin == 1_000 * USDC and isinstance(rows[0].margin, int)
    assert (rows[0].qty, rows[0].entry_price) == (D("0.5"), D("20000"))


def test_holders_at_mark_value_each_position_as_the_formulas_do(book):
    market = book.market
    for index in range(3):
        _position(market, f"s{index}", "short", opened_minutes=index)
    holders = holders_at_mark(market, side="short", price=D("18000.5"))
    value = HolderValuer(market.contract, D("18000.5"), side="short")
    assert holders == [
        value(row.id, row.account, row.opened, row.qty, row.entry_price, row.margin)
        for row in open_book(market, side="short")
    ]
    assert holders[0].upnl == 999_750_000 and holders[0].notional == 9_000_250_000


def test_accounts_named_in_a_batch_are_resolved_in_one_read(book):
    book.deposit("alice", 10 * USDC)
    book.deposit("bob", 10 * USDC)
    existing = {
        (a.kind, a.key): a.pk for a in LedgerAccount.objects.filter(key__in=["alice", "bob"])
    }
    with accounts_cached(asset=book.usdc):
        named = [
            balance_account("alice", book.usdc),
            balance_account("bob", book.usdc),
            counterparty_account(book.market),
            margin_account("carol", book.market),  # does not exist yet: created
        ]
        with CaptureQueriesContext(connection) as queries:
            accounts_resolve()
    assert [(a.pk, a.kind, a.key) for a in named[:2]] == [
        (existing[(a.kind, a.key)], a.kind, a.key) for a in named[:2]
    ]
    assert all(a.pk and not a._state.adding for a in named)
    assert LedgerAccount.objects.get(pk=named[3].pk).key == "carol|BTC-USDC"
    reads = [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert "LATERAL" in reads[0]["sql"]


def test_unsaved_builds_what_keyword_construction_builds(book):
    values = {
        "id": 7,
        "account": "a",
        "market_id": book.market.pk,
        "side": "short",
        "qty": D("1.5"),
        "entry_price": D("20000"),
        "margin": 5,
    }
    built = unsaved(Position, **values)
    expected = Position(**values)
    fields = [field.attname for field in Position._meta.concrete_fields]
    assert [getattr(built, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert built._state.adding
    first, second = unsaved(Fill), unsaved(Fill)
    assert first.entry_ids == [] and first.entry_ids is not second.entry_ids  # callable default
