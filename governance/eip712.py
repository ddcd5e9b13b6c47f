"""EIP-712 typed data of governance: ballots, delegations and the guardian's cancel.

Digests are computed here directly (struct hashes of fixed types) instead of through
eth-account's generic encoder: verifying 100,000 ballots is a hot path, and the generic
encoder is an order of magnitude slower. ``typed_data`` gives the same message in the JSON
form a wallet signs with ``eth_signTypedData_v4``; a test checks both agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PublicKey
from eth_utils import is_address, is_checksum_address, to_checksum_address
from sha3 import keccak_256

from common.exceptions import Invalid


def keccak(data: bytes) -> bytes:
    """Keccak-256 through pysha3 directly: ~10x faster than eth-utils' dispatching wrapper."""
    return keccak_256(data).digest()


NAME = "Backstop Governance"
VERSION = "1"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2

DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
TYPES = {
    "Ballot": [
        {"name": "proposalId", "type": "bytes32"},
        {"name": "support", "type": "uint8"},
        {"name": "reason", "type": "string"},
        {"name": "nonce", "type": "uint256"},
    ],
    "Delegation": [
        {"name": "delegatee", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint256"},
    ],
    "Cancel": [{"name": "proposalId", "type": "bytes32"}],
}


def _type_string(primary: str, fields: list[dict]) -> bytes:
    return f"{primary}({','.join(f['type'] + ' ' + f['name'] for f in fields)})".encode()


DOMAIN_TYPEHASH = keccak(_type_string("EIP712Domain", DOMAIN_FIELDS))
TYPEHASHES = {name: keccak(_type_string(name, fields)) for name, fields in TYPES.items()}


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _bytes32(hex_text: str, path: str) -> bytes:
    try:
        raw = bytes.fromhex(hex_text.removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise Invalid.field(path, "must be 32 bytes as 0x-prefixed hex")
    return raw


@dataclass(frozen=True)
class Domain:
    chain_id: int
    verifying_contract: str

    def separator(self) -> bytes:
        return keccak(
            DOMAIN_TYPEHASH
            + keccak(NAME.encode())
            + keccak(VERSION.encode())
            + _word(self.chain_id)
            + bytes(12)
            + bytes.fromhex(self.verifying_contract[2:])
        )

    def as_json(self) -> dict:
        return {
            "name": NAME,
            "version": VERSION,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }


def _digest(separator: bytes, primary: str, encoded: bytes) -> bytes:
    return keccak(b"\x19\x01" + separator + keccak(TYPEHASHES[primary] + encoded))


def ballot_digest(
    separator: bytes, *, proposal_id: str, support: int, reason: str, nonce: int
) -> bytes:
    encoded = (
        _bytes32(proposal_id, "proposal_id")
        + _word(support)
        + keccak(reason.encode())
        + _word(nonce)
    )
    return _digest(separator, "Ballot", encoded)


def delegation_digest(separator: bytes, *, delegatee: str, nonce: int, expiry: int) -> bytes:
    encoded = bytes(12) + bytes.fromhex(delegatee[2:]) + _word(nonce) + _word(expiry)
    return _digest(separator, "Delegation", encoded)


def cancel_digest(separator: bytes, *, proposal_id: str) -> bytes:
    return _digest(separator, "Cancel", _bytes32(proposal_id, "proposal_id"))


def typed_data(domain: Domain, primary: str, message: dict) -> dict:
    """The full ``eth_signTypedData_v4`` payload (uint256 values as decimal strings)."""
    return {
        "types": {"EIP712Domain": DOMAIN_FIELDS, primary: TYPES[primary]},
        "primaryType": primary,
        "domain": domain.as_json(),
        "message": message,
    }


def signature_bytes(signature: str, *, path: str = "signature") -> bytes:
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError:
        raise Invalid.field(path, "must be hex") from None
    if not raw:
        raise Invalid.field(path, "is empty")
    return raw


def checksum_address(raw: bytes) -> str:
    """EIP-55 form of a 20-byte address (with the fast keccak above)."""
    text = raw.hex()
    digest = keccak(text.encode()).hex()
    return "0x" + "".join(
        c.upper() if int(h, 16) >= 8 else c for c, h in zip(text, digest[:40], strict=True)
    )


def recover(digest: bytes, signature: bytes) -> str | None:
    """The address whose key made this 65-byte ECDSA signature, or None if it is not one.

    High-s signatures are refused (EIP-2) so one ballot has exactly one valid encoding.
    """
    if len(signature) != 65:
        return None
    v = signature[64]
    if v in (27, 28):
        v -= 27
    if v not in (0, 1):
        return None
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_HALF_N):
        return None
    try:
        public_key = PublicKey.from_signature_and_message(
            signature[:64] + bytes([v]), digest, hasher=None
        )
    except ValueError:
        return None
    return checksum_address(keccak(public_key.format(compressed=False)[1:])[-20:])


def address_check(value: str, *, path: str) -> str:
    """A 20-byte hex address in its EIP-55 form; a wrong checksum is refused, not fixed."""
    if not isinstance(value, str) or not is_address(value):
        raise Invalid.field(path, "must be a 20-byte 0x-prefixed hex address")
    if value != value.lower() and not is_checksum_address(value):
        raise Invalid.field(path, "has a wrong EIP-55 checksum")
    return to_checksum_address(value)
