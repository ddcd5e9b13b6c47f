from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fund.models import Entry, UnstakeRequest
from fund.services.staking_rewards import reward_epoch_close
from governance.auth import SESSION_KEY
from tests.fund.staking_helpers import address, member_fund

ALICE = "0x00000000000000000000000000000000000A11cE"
USDC = 1_000_000
API = "/api/v1/fund"


def signed_in(client, who=ALICE):
    session = client.session
    session[SESSION_KEY] = who
    session.save()
    return client


@pytest.fixture
def alice_client(client, main_fund):
    member_fund(main_fund, ALICE.lower(), 1_000 * USDC, at=timezone.now() - timedelta(days=1))
    return signed_in(client)


def stake(client, amount, key="k1", **extra):
    return client.post(
        f"{API}/funds/main/staking/stake/",
        {"amount": str(amount), **extra},
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def test_stake_unstake_cancel_flow(alice_client):
    response = stake(alice_client, 100 * USDC)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == str(100 * USDC) and body["source"] == "balance"
    again = stake(alice_client, 100 * USDC)
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert Entry.objects.filter(kind="stake").count() == 1

    response = alice_client.post(
        f"{API}/funds/main/staking/unstake/",
        {"shares": body["shares"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    request_id = response.json()["id"]
    early = alice_client.post(
        f"{API}/staking/unstakes/{request_id}/withdraw/", headers={"Idempotency-Key": "w"}
    )
    assert early.status_code == 409 and early.json()["code"] == "cooldown"
    cancel = alice_client.post(f"{API}/staking/unstakes/{request_id}/cancel/")
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"

    me = alice_client.get(f"{API}/staking/me/").json()
    assert me["positions"][0]["value"] == str(100 * USDC)
    assert me["unstakes"][0]["status"] == "cancelled"


def test_withdraw_after_cooldown(alice_client, main_fund):
    shares = stake(alice_client, 100 * USDC).json()["shares"]
    url = f"{API}/funds/main/staking/unstake/"
    request_id = alice_client.post(url, {"shares": shares}, content_type="application/json").json()[
        "id"
    ]
    UnstakeRequest.objects.filter(pk=request_id).update(available_at=timezone.now())
    done = alice_client.post(
        f"{API}/staking/unstakes/{request_id}/withdraw/", headers={"Idempotency-Key": "w"}
    )
    assert done.status_code == 200 and done.json()["paid"] == str(100 * USDC)
    double = alice_client.post(
        f"{API}/staking/unstakes/{request_id}/withdraw/", headers={"Idempotency-Key": "x"}
    )
    assert double.status_code == 409 and "already withdrawn" in double.json()["message"]


@pytest.mark.parametrize(
    ("payload", "key", "status", "field"),
    [
        ({"amount": "0"}, "a", 400, "amount"),
        ({"amount": "1.5"}, "b", 400, "amount"),
        ({"amount": "10"}, "c", 400, "amount"),  # below the first-stake minimum
        ({"amount": "1000000", "tx_hash": "0x" + "ab" * 32}, "d", 400, "tx_hash"),
        ({"amount": "1000000"}, "", 400, "Idempotency-Key"),
    ],
)
def test_bad_stake_input(alice_client, payload, key, status, field):
    response = alice_client.post(
        f"{API}/funds/main/staking/stake/",
        payload,
        content_type="application/json",
        headers={"Idempotency-Key": key} if key else {},
    )
    assert response.status_code == status
    assert field in response.json()["fields"], response.json()
    assert Entry.objects.filter(kind="stake").count() == 0


def test_member_session_and_csrf_are_required(client, main_fund):
    assert stake(client, USDC).status_code == 401  # no wallet session
    strict = signed_in(Client(enforce_csrf_checks=True))
    response = stake(strict, USDC)
    assert response.status_code == 403 and "CSRF" in response.json()["message"]


def test_public_stats_and_reward_claim(alice_client, client, main_fund):
    stake(alice_client, 100 * USDC)
    reward_epoch_close(fund=main_fund, until=timezone.now() + timedelta(hours=1))
    stats = Client().get(f"{API}/funds/main/staking/").json()
    assert stats["stakers"] == 1 and stats["total_staked"] == str(100 * USDC)
    assert stats["epochs"][0]["number"] == 1 and stats["epochs"][0]["root"].startswith("0x")
    page = Client().get("/fund/staking/main/")
    assert stats["epochs"][0]["root"].encode() in page.content
    claim = Client().get(f"{API}/funds/main/staking/epochs/1/claims/{ALICE}/")
    assert claim.status_code == 200 and claim.json()["index"] == 0
    missing = Client().get(f"{API}/funds/main/staking/epochs/1/claims/{address(9)}/")
    assert missing.status_code == 404


def test_reward_distribution_in_parse_balance_map_shape(alice_client, main_fund):
    from fund.staking_merkle import leaf_hash, merkle_verify

    stake(alice_client, 100 * USDC)
    reward_epoch_close(fund=main_fund, until=timezone.now() + timedelta(hours=1))
    body = Client().get(f"{API}/funds/main/staking/epochs/1/").json()
    claim = body["claims"][ALICE]  # checksummed address as key
    leaf = leaf_hash(claim["index"], ALICE, int(claim["amount"], 16))
    proof = [bytes.fromhex(p[2:]) for p in claim["proof"]]
    assert merkle_verify(proof, bytes.fromhex(body["merkleRoot"][2:]), leaf)
    assert int(body["tokenTotal"], 16) == int(claim["amount"], 16)
    assert Client().get(f"{API}/funds/main/staking/epochs/2/").status_code == 404
