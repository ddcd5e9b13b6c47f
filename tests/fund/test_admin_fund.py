"""Admin: funds through the services (asset frozen after history), the ledger read-only."""

import pytest

from fund.models import Entry, Fund
from tests.fund.factories import AssetFactory


@pytest.fixture
def admin_client(staff_factory, verified_client):
    user, device = staff_factory()
    user.is_superuser = True
    user.save()
    return verified_client(user, device)


def test_ledger_pages_are_read_only(admin_client, books):
    books.move("d1", books.world, books.alice, 100)
    entry = Entry.objects.get()
    for url in [
        "/admin/fund/entry/",
        "/admin/fund/posting/",
        "/admin/fund/ledgeraccount/",
        "/admin/fund/fundday/",
        "/admin/fund/asset/",
        "/admin/fund/fund/",
        f"/admin/fund/entry/{entry.pk}/change/",
    ]:
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get("/admin/fund/entry/add/").status_code == 403
    response = admin_client.post(f"/admin/fund/entry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403 and Entry.objects.count() == 1


def test_fund_created_and_asset_change_refused_after_history(admin_client, books, main_fund):
    usdc = main_fund.asset
    response = admin_client.post(
        "/admin/fund/fund/add/", {"name": "iso", "asset": usdc.pk, "kind": "isolated"}
    )
    assert response.status_code == 302 and Fund.objects.get(name="iso").kind == "isolated"
    books.move("d1", books.world, books.alice, 100)
    books.move("t1", books.alice, books.fund, 100, kind="top_up")
    btc = AssetFactory(symbol="BTC", decimals=8)
    response = admin_client.post(
        f"/admin/fund/fund/{main_fund.pk}/change/",
        {"asset": btc.pk, "kind": "pooled", "description": "x"},
    )
    assert response.status_code == 200
    assert "its asset cannot change" in response.content.decode()
    main_fund.refresh_from_db()
    assert main_fund.asset == usdc and main_fund.description == ""


def test_asset_added_through_service(admin_client):
    response = admin_client.post("/admin/fund/asset/add/", {"symbol": "ETH", "decimals": 18})
    assert response.status_code == 302
    from common.models import AuditEntry

    assert AuditEntry.objects.filter(action="backstop.fund.asset.created").exists()
