from datetime import timedelta

from django.utils import timezone

from fund.models import StakeDeposit, UnstakeRequest
from tests.fund.staking_helpers import member_fund
from tests.fund.test_api_staking import ALICE, signed_in

USDC = 1_000_000


def test_my_stake_page_needs_a_wallet_session(client, main_fund):
    response = client.get("/fund/me/")
    assert response.status_code == 302 and response.url.startswith("/governance/signin/")


def test_stake_unstake_and_cancel_through_the_page(client, main_fund):
    member_fund(main_fund, ALICE.lower(), 500 * USDC, at=timezone.now() - timedelta(days=1))
    client = signed_in(client)
    page = client.get("/fund/me/")
    assert page.status_code == 200 and b"No stake yet" in page.content
    key = page.context["client_key"]
    form = {"fund": "main", "amount": "12.5", "client_key": key}
    client.post("/fund/me/stake/", form)
    client.post("/fund/me/stake/", form)  # a double submit books once
    deposit = StakeDeposit.objects.get()
    assert deposit.amount == 12_500_000
    client.post("/fund/me/unstake/", {"fund": "main", "shares": str(deposit.shares)})
    request = UnstakeRequest.objects.get()
    page = client.get("/fund/me/")
    assert b"data-available-at" in page.content and b"share-price-main" in page.content
    response = client.post(f"/fund/me/unstakes/{request.pk}/withdraw/", follow=True)
    assert b"cooldown runs until" in response.content
    client.post(f"/fund/me/unstakes/{request.pk}/cancel/")
    assert UnstakeRequest.objects.get().status == "cancelled"


def test_bad_amount_is_a_message_not_a_booking(client, main_fund):
    client = signed_in(client)
    response = client.post(
        "/fund/me/stake/", {"fund": "main", "amount": "0.0000001", "client_key": "x"}, follow=True
    )
    assert b"more than 6 decimal places" in response.content
    assert not StakeDeposit.objects.exists()


def test_public_staking_page(client, main_fund):
    response = client.get("/fund/staking/main/")
    assert response.status_code == 200
    assert b"Total staked" in response.content and b"fund-staking.js" in response.content


def test_confirmed_transfer_is_offered_and_staked_from_the_page(client, main_fund):
    from fund.services.staking_onchain import onchain_deposit_record

    tx = "0x" + "cd" * 32
    values = dict(tx_hash=tx, chain_id=31337, fund=main_fund, from_address=ALICE, amount=7_250_000)
    onchain_deposit_record(**values, block_number=5, confirmed_block=None, seen_at=timezone.now())
    client = signed_in(client)
    assert b"waiting for confirmations" in client.get("/fund/me/").content
    onchain_deposit_record(**values, block_number=5, confirmed_block=7, seen_at=timezone.now())
    page = client.get("/fund/me/")
    assert b"Stake this transfer" in page.content and b'value="7.25"' in page.content
    client.post(
        "/fund/me/stake/",
        {"fund": "main", "amount": "7.25", "tx_hash": tx, "client_key": f"tx-{tx}"},
    )
    assert StakeDeposit.objects.get().onchain.tx_hash == tx
    assert b"Stake this transfer" not in client.get("/fund/me/").content


def test_whole_units_convert_exactly_even_when_huge():
    from fund.views_staking import _whole_to_smallest

    big = "1234567890123456789012345678.123456"
    assert _whole_to_smallest(big, 6) == 1234567890123456789012345678123456
    assert _whole_to_smallest("0.000001", 6) == 1
