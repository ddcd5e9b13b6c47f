"""Outside-address payouts on a real chain: a Safe 1.4.1 on anvil, owners sign, we track it."""

import pytest

from fund.models import Entry, LedgerAccount, PayoutSafeTx
from fund.selectors.ledger import account_balance
from fund.services.payout_safe import payout_safe_txs_advance, safe_tx_rebuild
from tests.fund.payouts.conftest import ALICE_ADDRESS


def owners_execute(world, row: PayoutSafeTx) -> None:
    """What the Safe's owners do in their own wallets: two signatures, then execute."""
    safe_tx = safe_tx_rebuild(row, world.client)
    for owner in sorted(world.owners[:2], key=lambda a: int(a.address, 16)):
        safe_tx.sign(owner.key.hex())
    tx_hash, _ = safe_tx.execute(world.deployer.key.hex())
    assert world.client.w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1


def payable_balance() -> int:
    return account_balance(LedgerAccount.objects.get(kind="payouts_payable", key="main"))


def test_safe_tx_is_built_signed_executed_and_booked_once(safe_world, paid_from_safe):
    payout = paid_from_safe(3_000_000)
    assert payable_balance() == 3_000_000
    assert payout_safe_txs_advance(payout_ids=[payout.pk])["built"] == 1
    row = PayoutSafeTx.objects.get(payout=payout)
    expected = safe_world.safe_sdk().build_multisig_tx(
        safe_world.usdc.address, 0, bytes.fromhex(row.data[2:]), safe_nonce=row.nonce
    )
    assert row.safe_tx_hash == expected.safe_tx_hash.to_0x_hex()
    assert row.nonce == safe_world.safe_contract().functions.nonce().call()

    owners_execute(safe_world, row)
    assert safe_world.usdc.functions.balanceOf(ALICE_ADDRESS).call() == 3_000_000
    # Not yet confirmed: nothing is booked until the execution is buried deep enough.
    assert payout_safe_txs_advance()["executed"] == 0 and payable_balance() == 3_000_000
    safe_world.mine(3)
    assert payout_safe_txs_advance()["executed"] == 1
    row.refresh_from_db()
    assert row.status == PayoutSafeTx.Status.EXECUTED and row.block_number and row.tx_hash
    assert payable_balance() == 0
    world = LedgerAccount.objects.get(kind="external", key="USDC")
    assert [p.account_id for p in row.settled_entry.postings.filter(amount__gt=0)] == [world.pk]
    assert payout_safe_txs_advance() == {"built": 0, "skipped": 0, "executed": 0, "failed": 0}
    assert Entry.objects.filter(key=f"payout:{payout.pk}:paid").count() == 1


def test_two_payouts_get_consecutive_nonces(safe_world, paid_from_safe):
    first, second = paid_from_safe(1_000), paid_from_safe(2_000)
    assert payout_safe_txs_advance()["built"] == 2
    nonces = [PayoutSafeTx.objects.get(payout=p).nonce for p in (first, second)]
    assert nonces[1] == nonces[0] + 1


def test_nonce_taken_by_another_transaction_marks_it_failed(safe_world, paid_from_safe):
    payout = paid_from_safe(1_000)
    payout_safe_txs_advance()
    safe_world.safe_exec(b"")  # the owners spend the same nonce on something else
    safe_world.mine(3)
    assert payout_safe_txs_advance()["failed"] == 1
    row = PayoutSafeTx.objects.get(payout=payout)
    assert row.status == PayoutSafeTx.Status.FAILED and payable_balance() == 1_000


@pytest.mark.usefixtures("funded")
def test_without_a_tracked_safe_the_build_is_skipped(reviewer, transfer, usdc, settings):
    from fund.services.payouts import payout_approve

    usdc.chain_id, usdc.token_address = 31337, ALICE_ADDRESS
    usdc.save()
    payout = transfer(reviewer(), 500, recipient_account="", recipient_address=ALICE_ADDRESS)
    payout_approve(payout=payout, user=reviewer())
    payout_approve(payout=payout, user=reviewer())
    assert payout_safe_txs_advance()["skipped"] == 1
    assert not PayoutSafeTx.objects.exists()


def test_booking_enqueues_the_build(paid_from_safe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payout = paid_from_safe(1_000)
    assert PayoutSafeTx.objects.get(payout=payout).status == PayoutSafeTx.Status.AWAITING_SIGNATURES


def test_api_shows_the_owners_what_to_sign(paid_from_safe, signed_in):
    payout = paid_from_safe(1_000)
    payout_safe_txs_advance()
    _, client = signed_in("payout_reviewer")
    body = client.get(f"/api/v1/fund/payouts/{payout.pk}/").json()["safe_tx"]
    row = PayoutSafeTx.objects.get(payout=payout)
    assert body["safe_tx_hash"] == row.safe_tx_hash and body["nonce"] == row.nonce
    assert body["data"].startswith("0xa9059cbb")  # ERC-20 transfer(address,uint256)
