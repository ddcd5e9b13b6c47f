"""Reserves page (public, self-check), custody staff page, and the custody API."""

import json

import pytest

from custody.models import CustodyAlert
from custody.services import epochs
from custody.services.alerts import custody_alert_raise
from custody.services.epochs import reserve_epoch_create

pytestmark = pytest.mark.django_db

STAKERS = [("0x" + "aa" * 20, 2_000_000), ("0x" + "bb" * 20, 3_000_000), ("0x" + "cc" * 20, 1)]


@pytest.fixture
def epoch(custody_fund, settings, monkeypatch):
    settings.ETH_RPC_URLS = {}
    monkeypatch.setattr(epochs, "staker_values", lambda fund: STAKERS)
    return reserve_epoch_create()


def test_reserves_page_without_epochs(client, custody_fund):
    response = client.get("/custody/reserves/")
    assert response.status_code == 200
    assert b"No reserve-proof epoch" in response.content


def test_reserves_page_self_check(client, epoch):
    upper = "0x" + STAKERS[1][0][2:].upper()  # any case of the address is found
    response = client.get("/custody/reserves/", {"address": upper, "fund": "main"})
    body = response.content.decode()
    assert "Epoch 1" in body and "not measured" in body
    assert "the proof leads to the signed root" in body
    assert 'id="staker-proof"' in body
    missing = client.get("/custody/reserves/", {"address": "0x" + "dd" * 20, "fund": "main"})
    assert "has no stake" in missing.content.decode()


def test_api_bundle_download_is_the_signed_bytes(client, epoch):
    response = client.get(f"/api/v1/custody/epochs/{epoch.number}/bundle/")
    assert response.status_code == 200
    assert response.content.decode() == epoch.bundle
    assert "attachment" in response["Content-Disposition"]
    listed = client.get("/api/v1/custody/epochs/").json()
    assert listed[0]["number"] == 1 and listed[0]["funds"][0]["liabilities"] == "0"


def test_api_staker_proof(client, epoch):
    url = f"/api/v1/custody/epochs/1/funds/main/stakers/{STAKERS[0][0]}/proof/"
    proof = client.get(url).json()
    assert proof["verified"] is True and proof["amount"] == "2000000"
    assert proof["total"] == "5000001" and proof["size"] == 3
    missing = client.get("/api/v1/custody/epochs/1/funds/main/stakers/0x00/proof/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_api_payouts_paused(client, epoch):
    assert client.get("/api/v1/custody/funds/main/payouts-paused/").json() == {
        "fund": "main",
        "paused": False,
    }


def test_staff_page_needs_the_custody_role(client, staff_factory, verified_client):
    assert client.get("/custody/staff/").status_code == 302
    user, device = staff_factory("auditor")
    assert verified_client(user, device).get("/custody/staff/").status_code == 403


def test_staff_acknowledges_an_alert(client, staff_factory, verified_client, custody_fund):
    alert = custody_alert_raise(kind="owner_added", message="main safe: new owner 0x1", details={})
    user, device = staff_factory("custody_admin")
    staff = verified_client(user, device)
    page = staff.get("/custody/staff/").content.decode()
    assert "new owner 0x1" in page and 'id="custody-series"' in page
    assert staff.post(f"/custody/staff/alerts/{alert.pk}/ack/").status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == user and alert.acknowledged_at


def test_wallet_track_api_refuses_strangers_and_unconfigured_chains(
    client, staff_factory, verified_client, custody_fund, settings
):
    settings.ETH_RPC_URLS = {}
    body = {"chain_id": 5, "address": "0x" + "11" * 20, "kind": "eoa", "fund": "main"}
    assert client.post("/api/v1/custody/wallets/", body).status_code in (401, 403)
    user, device = staff_factory("custody_admin")
    response = verified_client(user, device).post("/api/v1/custody/wallets/", body)
    assert response.status_code == 400
    assert "no RPC URL" in json.dumps(response.json())
    assert not CustodyAlert.objects.exists()


def test_paused_banner_on_the_reserves_page(client, custody_fund):
    from custody.models import ReserveEpoch, ReserveFundStatus

    epoch = ReserveEpoch.objects.create(number=1, cut_seq=0, digest="d", signer="s", bundle="{}")
    ReserveFundStatus.objects.create(
        epoch=epoch, fund=custody_fund, assets=1, liabilities=2, solvent=False
    )
    body = client.get("/custody/reserves/").content.decode()
    assert "Automatic payouts of main are paused" in body


def test_staff_publishes_an_epoch_from_the_page(
    staff_factory, verified_client, custody_fund, settings
):
    from custody.models import ReserveEpoch

    settings.ETH_RPC_URLS = {}
    user, device = staff_factory("custody_admin")
    staff = verified_client(user, device)
    response = staff.post("/custody/staff/epochs/", follow=True)
    assert "Epoch 1 published." in response.content.decode()
    assert ReserveEpoch.objects.get().number == 1
