from datetime import UTC, datetime

import pytest

from fund.models import LedgerAccount
from fund.services.ledger import fund_account, ledger_account, ledger_entry_post
from tests.fund.factories import AssetFactory, FundFactory

T0 = datetime(2025, 10, 10, 20, 0, tzinfo=UTC)


@pytest.fixture
def usdc(db):
    return AssetFactory(symbol="USDC", decimals=6)


@pytest.fixture
def main_fund(usdc):
    return FundFactory(name="main", asset=usdc)


@pytest.fixture
def books(usdc, main_fund):
    """The usual accounts: the outside world, a trader, the fund."""

    class Books:
        world = ledger_account(kind=LedgerAccount.Kind.EXTERNAL, asset=usdc, key="USDC")
        alice = ledger_account(kind=LedgerAccount.Kind.TRADER_BALANCE, asset=usdc, key="alice")
        fund = fund_account(main_fund)

        @staticmethod
        def move(key, source, target, amount, kind="deposit", at=T0):
            return ledger_entry_post(
                key=key, kind=kind, postings=[(source, -amount), (target, amount)], event_time=at
            )

    return Books
