"""On anvil: control proofs by EIP-1271 (a 2-of-3 Safe) and by ECDSA recovery (a plain key)."""

from datetime import timedelta

import pytest
from eth_account import Account
from eth_account.messages import defunct_hash_message, encode_defunct
from safe_eth.safe.signatures import signature_to_bytes

from common.exceptions import Invalid
from custody.services.challenges import challenge_issue, control_proof_verify
from custody.services.wallets import wallet_track
from tests.custody.conftest import CHAIN_ID

pytestmark = [pytest.mark.chain, pytest.mark.django_db]


def safe_signature(world, message: str, signers) -> str:
    """Owners sign the Safe's SafeMessage hash; signatures joined in ascending owner order."""
    safe_hash = world.safe_sdk().get_message_hash(bytes(defunct_hash_message(text=message)))
    parts = []
    for owner in sorted(signers, key=lambda account: int(account.address, 16)):
        signed = owner.unsafe_sign_hash(safe_hash)
        parts.append(signature_to_bytes(signed.v, signed.r, signed.s))
    return "0x" + b"".join(parts).hex()


@pytest.fixture
def safe_wallet(safe_world, custody_fund):
    safe_world.mine(3)
    return wallet_track(
        chain_id=CHAIN_ID, address=safe_world.safe, kind="safe", fund=custody_fund, actor="t"
    )


def test_safe_proves_control_with_two_owner_signatures(safe_world, safe_wallet):
    challenge = challenge_issue(wallet=safe_wallet)
    signature = safe_signature(safe_world, challenge.message, safe_world.owners[:2])
    assert control_proof_verify(challenge=challenge, signature=signature, actor="t").verified_at


@pytest.mark.parametrize("who", ["one owner", "strangers"])
def test_forged_safe_proof_is_rejected(safe_world, safe_wallet, who):
    challenge = challenge_issue(wallet=safe_wallet)
    signers = safe_world.owners[:1] if who == "one owner" else [Account.create(), Account.create()]
    with pytest.raises(Invalid, match="does not prove control"):
        control_proof_verify(
            challenge=challenge,
            signature=safe_signature(safe_world, challenge.message, signers),
            actor="t",
        )


def test_plain_account_proves_control_by_recovery(custody_chain, custody_fund):
    key = Account.create()
    wallet = wallet_track(
        chain_id=CHAIN_ID, address=key.address, kind="eoa", fund=custody_fund, actor="t"
    )
    challenge = challenge_issue(wallet=wallet)
    forged = Account.create().sign_message(encode_defunct(text=challenge.message))
    with pytest.raises(Invalid, match="does not prove control"):
        control_proof_verify(challenge=challenge, signature=forged.signature.hex(), actor="t")
    good = key.sign_message(encode_defunct(text=challenge.message))
    assert control_proof_verify(challenge=challenge, signature=good.signature.hex(), actor="t")


def test_expired_challenge_is_refused(custody_chain, custody_fund):
    key = Account.create()
    wallet = wallet_track(
        chain_id=CHAIN_ID, address=key.address, kind="eoa", fund=custody_fund, actor="t"
    )
    challenge = challenge_issue(wallet=wallet, ttl=timedelta(seconds=-1))
    good = key.sign_message(encode_defunct(text=challenge.message))
    with pytest.raises(Invalid, match="expired"):
        control_proof_verify(challenge=challenge, signature=good.signature.hex(), actor="t")
