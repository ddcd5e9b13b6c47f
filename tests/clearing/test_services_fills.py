"""Fills through the services: weighted entry, fee take, realised PnL on reduce, risk modes."""

from decimal import Decimal as D

import pytest

from clearing.models import Market, Position, RiskModeChange
from common.exceptions import Invalid, NotFound
from fund.models import LedgerAccount
from fund.selectors.ledger import fund_balance
from tests.clearing.conftest import USDC

pytestmark = pytest.mark.django_db


def balance(kind, key):
    return LedgerAccount.objects.get(kind=kind, key=key).balance


def test_add_averages_entry_and_books_fee_take(book):
    book.deposit("alice", 10_000 * USDC)
    # 0.5 BTC at 60,000 (notional 30,000 USDC): fee 15 USDC; take = min(30,000 × 0.0002, 15) = 6.
    book.fill("alice", "buy", "0.5", "60000", margin=3_000 * USDC, fee=15 * USDC)
    book.fill("alice", "buy", "0.5", "60001", margin=1_000 * USDC)
    position = Position.objects.get(account="alice")
    assert (position.qty, position.entry_price, position.margin) == (
        D("1"),
        D("60000.5"),
        4_000 * USDC,
    )
    assert position.liquidation_price == D("56282")  # (60000.5 − 4000) / 0.995 = 56281.909… → up
    assert fund_balance(book.fund) == 6 * USDC
    assert balance("fee_income", "USDC") == 9 * USDC
    assert balance("trader_balance", "alice") == (10_000 - 4_000 - 15) * USDC
    assert balance("trader_margin", "alice|BTC-USDC") == 4_000 * USDC


def test_reduce_realises_pnl_and_releases_margin_in_proportion(book):
    book.deposit("alice", 10_000 * USDC)
    book.fill("alice", "buy", "1", "60000", margin=6_000 * USDC)
    fill = book.fill("alice", "sell", "0.25", "62000")
    assert fill.realized_pnl == 500 * USDC  # 0.25 × 2,000
    position = Position.objects.get(account="alice")
    assert (position.qty, position.margin) == (D("0.75"), 4_500 * USDC)
    assert balance("trader_balance", "alice") == (4_000 + 1_500 + 500) * USDC
    assert balance("counterparty", "BTC-USDC") == -500 * USDC
    book.fill("alice", "sell", "0.75", "59000")  # closes: −750 from the 4,500 margin
    position.refresh_from_db()
    assert position.status == "closed" and position.margin == 0
    assert balance("trader_balance", "alice") == (10_000 + 500 - 750) * USDC


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        ({"margin": 20_000 * USDC}, "fills.0.margin", "alice holds 10000000000 USDC units"),
        ({"margin": 0}, "fills.0.margin", "a fill that opens or adds must bring margin"),
        ({"qty": "0.0005"}, "fills.0.qty", "not a positive multiple of the lot 0.001"),
    ],
)
def test_bad_fills_book_nothing(book, change, path, reason):
    book.deposit("alice", 10_000 * USDC)
    args = {"qty": "1", "margin": 2_000 * USDC, **change}
    with pytest.raises(Invalid) as info:
        book.fill("alice", "buy", args["qty"], "60000", margin=args["margin"])
    assert path in info.value.fields and reason in info.value.fields[path][0]
    assert not Position.objects.exists()


def test_unknown_account_is_named(book):
    with pytest.raises(NotFound) as info:
        book.fill("zoe", "buy", "1", "60000", margin=2_000 * USDC)
    assert info.value.fields == {
        "fills.0.account": ["unknown account 'zoe': nothing was ever deposited in USDC"]
    }


def test_flip_is_refused(book):
    book.deposit("alice", 10_000 * USDC)
    book.fill("alice", "buy", "1", "60000", margin=2_000 * USDC)
    with pytest.raises(Invalid, match="send the flip as a close and a new fill"):
        book.fill("alice", "sell", "2", "60000")


def test_risk_modes_follow_coverage_and_reduce_only_refuses_opens(book):
    book.top_up(1_000 * USDC)
    book.deposit("alice", 100_000 * USDC)
    book.fill("alice", "buy", "1", "20000", margin=10_000 * USDC)
    book.mark("20000")  # coverage 1,000 / 20,000 = 5 % → normal (not below coverage_warn)
    assert Market.objects.get().risk_mode == "normal"
    book.fill("alice", "buy", "1", "20000", margin=10_000 * USDC)
    book.mark("20000", minute=2)  # 1,000 / 40,000 = 2.5 % → restricted
    book.fill("alice", "buy", "3", "20000", margin=30_000 * USDC)
    book.mark("20000", minute=3)  # 1,000 / 100,000 = 1 % → still restricted (not below 1 %)
    book.fill("alice", "buy", "0.1", "20000", margin=1_000 * USDC)
    book.mark("20000", minute=4)  # 1,000 / 102,000 < 1 % → reduce-only
    assert [c.mode for c in RiskModeChange.objects.all()] == ["restricted", "reduce_only"]
    with pytest.raises(Invalid, match="reduce-only"):
        book.fill("alice", "buy", "0.1", "20000", margin=1_000 * USDC)
    book.fill("alice", "sell", "0.1", "20000")  # reducing is still allowed
