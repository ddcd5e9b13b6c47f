from eth_account.messages import encode_typed_data

from governance.eip712 import (
    Domain,
    ballot_digest,
    cancel_digest,
    delegation_digest,
    recover,
    typed_data,
)

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
PID = "0x" + "ab" * 32


def generic(primary, message):
    signable = encode_typed_data(full_message=typed_data(DOMAIN, primary, message))
    return b"\x19\x01" + signable.header + signable.body


def test_digests_match_the_generic_eip712_encoder():
    from eth_utils import keccak

    sep = DOMAIN.separator()
    ballot = {"proposalId": PID, "support": 2, "reason": "héllo", "nonce": 7}
    assert ballot_digest(sep, proposal_id=PID, support=2, reason="héllo", nonce=7) == keccak(
        generic("Ballot", ballot)
    )
    delegatee = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert delegation_digest(sep, delegatee=delegatee, nonce=3, expiry=99) == keccak(
        generic("Delegation", {"delegatee": delegatee, "nonce": 3, "expiry": 99})
    )
    assert cancel_digest(sep, proposal_id=PID) == keccak(generic("Cancel", {"proposalId": PID}))


def test_recover_refuses_malformed_and_high_s(wallets):
    digest = b"\x11" * 32
    signed = wallets[0].account.unsafe_sign_hash(digest)
    sig = bytes(signed.signature)
    assert recover(digest, sig) == wallets[0].address
    assert recover(digest, sig[:64]) is None
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    high_s = sig[:32] + (n - signed.s).to_bytes(32, "big") + bytes([sig[64] ^ 1])
    assert recover(digest, high_s) is None
