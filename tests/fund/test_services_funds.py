"""Assets and funds: validated creation, and a fund's asset frozen once it has history."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from common.exceptions import Conflict, Invalid
from common.models import AuditEntry
from fund.models import Asset, Fund, LedgerAccount
from fund.services.funds import asset_create, asset_get, fund_create, fund_update
from fund.services.ledger import fund_account, ledger_account
from tests.fund.factories import AssetFactory


def test_asset_and_fund_create_audited(db):
    usdc = asset_create(symbol="USDC", decimals=6, actor="admin")
    fund = fund_create(name="main", asset=usdc, actor="admin")
    assert fund.asset == usdc
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions == ["backstop.fund.asset.created", "backstop.fund.fund.created"]


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"symbol": "usdc", "decimals": 6}, "symbol"),
        ({"symbol": "USDC", "decimals": 37}, "decimals"),
        ({"symbol": "USDC", "decimals": 6.0}, "decimals"),
        ({"symbol": "USDC", "decimals": -1}, "decimals"),
    ],
)
def test_bad_asset_refused(db, kwargs, path):
    with pytest.raises(Invalid) as caught:
        asset_create(actor="admin", **kwargs)
    assert path in caught.value.fields
    assert not Asset.objects.exists() and not AuditEntry.objects.exists()


def test_unknown_asset_refused(db):
    with pytest.raises(Invalid, match="unknown asset 'DOGE'"):
        asset_get(symbol="DOGE")
    with pytest.raises(Invalid, match="unknown asset"):
        fund_create(name="x", asset=Asset(symbol="NEW", decimals=2), actor="admin")
    with pytest.raises(Invalid, match="unknown asset"):
        ledger_account(kind="trader_balance", asset=Asset(symbol="NEW", decimals=2), key="a")
    assert not Fund.objects.exists() and not LedgerAccount.objects.exists()


def test_duplicate_fund_name_refused(usdc, main_fund):
    with pytest.raises(Invalid, match="name"):
        fund_create(name="main", asset=usdc, actor="admin")


def test_fund_account_must_match_the_fund(usdc, main_fund):
    other = AssetFactory(symbol="BTC", decimals=8)
    with pytest.raises(Invalid, match="fund account"):
        ledger_account(kind="fund", asset=other, key="main", fund=main_fund)
    with pytest.raises(Invalid, match="fund account"):
        ledger_account(kind="fund", asset=usdc, key="main")


def test_asset_change_allowed_before_history(usdc, main_fund):
    fund_account(main_fund)
    btc = AssetFactory(symbol="BTC", decimals=8)
    fund = fund_update(fund=main_fund, asset=btc, actor="admin")
    assert fund.asset == btc and fund_account(fund).asset == btc


def test_asset_change_after_entries_refused(books, main_fund):
    books.move("d1", books.world, books.alice, 100)
    books.move("t1", books.alice, books.fund, 100, kind="top_up")
    btc = AssetFactory(symbol="BTC", decimals=8)
    with pytest.raises(Conflict) as caught:
        fund_update(fund=main_fund, asset=btc, description="changed", actor="admin")
    assert "asset" in caught.value.fields
    assert "already has ledger entries in USDC" in caught.value.message
    main_fund.refresh_from_db()
    assert main_fund.asset.symbol == "USDC" and main_fund.description == ""
    assert not AuditEntry.objects.filter(action="backstop.fund.fund.changed").exists()


@pytest.mark.django_db(transaction=True)
def test_database_refuses_asset_or_name_change_after_entries(books, main_fund):
    books.move("d1", books.world, books.alice, 100)
    btc = AssetFactory(symbol="BTC", decimals=8)
    Fund.objects.filter(pk=main_fund.pk).update(asset=btc)  # no history yet: allowed
    Fund.objects.filter(pk=main_fund.pk).update(asset=main_fund.asset)
    books.move("t1", books.alice, books.fund, 100, kind="top_up")
    for change in ({"asset": btc}, {"name": "renamed"}):
        with pytest.raises(IntegrityError, match="asset and name cannot change"):
            with transaction.atomic():
                Fund.objects.filter(pk=main_fund.pk).update(**change)
    Fund.objects.filter(pk=main_fund.pk).update(description="allowed")


def test_ledger_check_passes_and_fails_on_tampered_history(books, main_fund, capsys):
    from fund.models import FundDay

    books.move("d1", books.world, books.alice, 100)
    books.move("t1", books.alice, books.fund, 100, kind="top_up")
    call_command("ledger_check")
    assert "balances and fund history match" in capsys.readouterr().out
    FundDay.objects.update(net=99)
    with pytest.raises(CommandError, match="fund day"):
        call_command("ledger_check")
