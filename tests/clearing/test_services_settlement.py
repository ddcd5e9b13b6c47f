"""Liquidation end to end through the services: takeover, close, settlement, ledger."""

from decimal import Decimal as D

import pytest

from clearing.models import Liquidation, Position, Settlement
from fund.selectors.ledger import fund_balance
from tests.clearing.conftest import USDC

pytestmark = pytest.mark.django_db


def open_seed003(book, fund=1_000 * USDC):
    book.top_up(fund)
    book.deposit("alice", 5_000 * USDC)
    book.fill("alice", "buy", "1", "20000", margin=2_000 * USDC)
    position = Position.objects.get(account="alice")
    assert (position.bankruptcy_price, position.liquidation_price) == (D("18000"), D("18090.5"))
    return position


def test_scenario_2_fund_covers(book, django_capture_on_commit_callbacks):
    open_seed003(book)
    book.mark("18100")
    assert not Liquidation.objects.exists()
    book.mark("18090.5")
    liquidation = Liquidation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        book.close("alice", "17900")
    settlement = Settlement.objects.get(liquidation=liquidation)
    assert (settlement.equity, settlement.fund_delta) == (-100 * USDC, -100 * USDC)
    assert fund_balance(book.fund) == 900 * USDC
    assert settlement.params["adl_policy"] == {
        "value": "adl",
        "scope": "default",
        "version_id": None,
    }
    assert len(settlement.entry_ids) == 2


def test_scenario_1_surplus(book, django_capture_on_commit_callbacks):
    open_seed003(book)
    book.mark("18090")
    with django_capture_on_commit_callbacks(execute=True):
        book.close("alice", "18050")
    settlement = Settlement.objects.get()
    assert (settlement.equity, settlement.fund_delta, settlement.trader_return) == (
        50 * USDC,
        50 * USDC,
        0,
    )
    assert fund_balance(book.fund) == 1_050 * USDC
