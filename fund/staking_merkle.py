"""Merkle distribution trees in the format of Uniswap's MerkleDistributor.

Leaf: ``keccak256(abi.encodePacked(uint256 index, address account, uint256 amount))``.
Nodes hash their two children in sorted order (``keccak256(min || max)``), so a proof is just
the list of siblings and OpenZeppelin's ``MerkleProof.verify`` checks it on chain. As in
Uniswap's ``MerkleTree``, leaves are sorted bytewise and an odd node moves up a level as is.
"""

from __future__ import annotations

from eth_utils import keccak


def leaf_hash(index: int, address: str, amount: int) -> bytes:
    return keccak(
        index.to_bytes(32, "big") + bytes.fromhex(address[2:]) + amount.to_bytes(32, "big")
    )


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a <= b else keccak(b + a)


def _layers(leaves: list[bytes]) -> list[list[bytes]]:
    layer = sorted(set(leaves))
    layers = [layer]
    while len(layer) > 1:
        layer = [
            _pair(layer[i], layer[i + 1]) if i + 1 < len(layer) else layer[i]
            for i in range(0, len(layer), 2)
        ]
        layers.append(layer)
    return layers


def merkle_root(leaves: list[bytes]) -> bytes:
    """The root; an empty distribution has the zero root."""
    return _layers(leaves)[-1][0] if leaves else bytes(32)


def merkle_proof(leaves: list[bytes], leaf: bytes) -> list[bytes]:
    """Siblings from ``leaf`` up to the root."""
    layers = _layers(leaves)
    position = layers[0].index(leaf)
    proof = []
    for layer in layers[:-1]:
        sibling = position ^ 1
        if sibling < len(layer):
            proof.append(layer[sibling])
        position //= 2
    return proof


def merkle_verify(proof: list[bytes], root: bytes, leaf: bytes) -> bool:
    """OpenZeppelin ``MerkleProof.verify``: fold the siblings in sorted order."""
    computed = leaf
    for sibling in proof:
        computed = _pair(computed, sibling)
    return computed == root
