"""On anvil, through the API as a custody admin: track a wallet, prove control of it."""

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from tests.custody.conftest import CHAIN_ID

pytestmark = [pytest.mark.chain, pytest.mark.django_db]


def test_track_then_prove_control_of_a_plain_account(
    custody_chain, custody_fund, staff_factory, verified_client
):
    key = Account.create()
    user, device = staff_factory("custody_admin")
    api = verified_client(user, device)
    body = {"chain_id": CHAIN_ID, "address": key.address.lower(), "kind": "eoa", "fund": "main"}
    created = api.post("/api/v1/custody/wallets/", body)
    assert created.status_code == 201, created.content
    assert created.json()["address"] == key.address  # stored checksummed
    challenge = api.post(f"/api/v1/custody/wallets/{created.json()['id']}/challenges/").json()
    assert key.address in challenge["message"]
    url = f"/api/v1/custody/challenges/{challenge['nonce']}/verify/"
    forged = Account.create().sign_message(encode_defunct(text=challenge["message"]))
    refused = api.post(url, {"signature": forged.signature.hex()})
    assert refused.status_code == 400 and refused.json()["fields"]["signature"]
    signed = key.sign_message(encode_defunct(text=challenge["message"]))
    accepted = api.post(url, {"signature": signed.signature.hex()})
    assert accepted.status_code == 200 and accepted.json()["verified_at"]
    again = api.post("/api/v1/custody/wallets/", body)
    assert again.status_code == 409
