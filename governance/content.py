"""The canonical content of a proposal and its id, shared by the service and the verifier.

``proposal_id = keccak256(abi.encode(string[] names, string[] scopes, string[] values,
bytes32 descriptionHash, uint256 snapshot))`` in the spirit of OpenZeppelin's
``hashProposal``: the voter signs the content they see, never a database row number.
"""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak


def description_hash(description: str) -> str:
    return "0x" + keccak(description.encode()).hex()


def proposal_id_compute(*, changes: list[dict], description_hash: str, snapshot: int) -> str:
    encoded = encode(
        ["string[]", "string[]", "string[]", "bytes32", "uint256"],
        [
            [change["name"] for change in changes],
            [change["scope"] for change in changes],
            ["" if change["value"] is None else change["value"] for change in changes],
            bytes.fromhex(description_hash[2:]),
            snapshot,
        ],
    )
    return "0x" + keccak(encoded).hex()
