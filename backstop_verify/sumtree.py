"""A Merkle sum tree over staker balances: every node commits to a hash and a total.

Leaf: ``sha256(0x00 || sha256(id) || amount32)``. Node: ``sha256(0x01 || left_hash ||
left_sum32 || right_hash || right_sum32)`` with sum ``left_sum + right_sum``; sums are
unsigned 256-bit big-endian. Committing to *both* child sums (not only their total) stops a
prover from moving value between siblings when showing a proof to one user, and amounts are
never negative, so no user's balance can be cancelled by a hidden negative leaf (the two
known flaws of early proof-of-liabilities trees). The shape is the RFC 6962 shape of
``merkle.py``, walked by the same functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import NamedTuple

from backstop_verify.merkle import audit_path, fold_inclusion

MAX_AMOUNT = 2**256 - 1


class SumNode(NamedTuple):
    hash: bytes
    sum: int


def _u256(value: int) -> bytes:
    if not 0 <= value <= MAX_AMOUNT:
        raise ValueError(f"amount {value} is outside 0..2**256-1")
    return value.to_bytes(32, "big")


def sum_leaf(leaf_id: str, amount: int) -> SumNode:
    id_digest = hashlib.sha256(leaf_id.encode()).digest()
    return SumNode(hashlib.sha256(b"\x00" + id_digest + _u256(amount)).digest(), amount)


def sum_node(left: SumNode, right: SumNode) -> SumNode:
    total = left.sum + right.sum
    digest = hashlib.sha256(
        b"\x01" + left.hash + _u256(left.sum) + right.hash + _u256(right.sum)
    ).digest()
    return SumNode(digest, total)


class SumTree:
    """Sum tree over ``(id, amount)`` leaves, in the given order.

    Levels are kept as parallel lists of hashes and sums (plain bytes and ints), which the
    garbage collector does not track; a million leaves build in seconds, not minutes.
    """

    def __init__(self, leaves: Sequence[tuple[str, int]]):
        self._build([leaf_id for leaf_id, _ in leaves], [amount for _, amount in leaves])

    @classmethod
    def from_columns(cls, ids: list[str], amounts: list[int]) -> SumTree:
        """The tree over ``zip(ids, amounts)`` without building a million pairs first."""
        tree = cls.__new__(cls)
        tree._build(list(ids), list(amounts))
        return tree

    def _build(self, ids: list[str], sums: list[int]) -> None:
        if not ids or len(ids) != len(sums):
            raise ValueError("a sum tree needs at least one leaf and one amount per id")
        self.ids = ids
        sha = hashlib.sha256
        encoded = _u256_all(sums)
        hashes = [
            sha(b"\x00" + sha(leaf_id.encode()).digest() + amount).digest()
            for leaf_id, amount in zip(self.ids, encoded, strict=True)
        ]
        self.hashes, self.sums = [hashes], [sums]
        while len(hashes) > 1:
            pairs = range(0, len(hashes) - 1, 2)
            up = [
                sha(b"\x01" + hashes[i] + encoded[i] + hashes[i + 1] + encoded[i + 1]).digest()
                for i in pairs
            ]
            up_sums = [sums[i] + sums[i + 1] for i in pairs]
            if len(hashes) % 2:
                up.append(hashes[-1])
                up_sums.append(sums[-1])
            hashes, sums = up, up_sums
            encoded = _u256_all(sums)
            self.hashes.append(hashes)
            self.sums.append(sums)

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def root(self) -> SumNode:
        return SumNode(self.hashes[-1][0], self.sums[-1][0])

    def leaf(self, index: int) -> SumNode:
        return SumNode(self.hashes[0][index], self.sums[0][index])

    def inclusion_proof(self, index: int) -> list[SumNode]:
        pairs = zip(audit_path(self.hashes, index), audit_path(self.sums, index), strict=True)
        return [SumNode(h, s) for h, s in pairs]


def _u256_all(values: list[int]) -> list[bytes]:
    try:
        return [value.to_bytes(32, "big") for value in values]
    except OverflowError:
        raise ValueError("amounts must be within 0..2**256-1") from None


def verify_sum_inclusion(
    leaf_id: str, amount: int, index: int, size: int, path: Sequence[SumNode], root: SumNode
) -> bool:
    """True when the leaf ``(leaf_id, amount)`` is counted at ``index`` in the tree of ``root``."""
    try:
        leaf = sum_leaf(leaf_id, amount)
        return fold_inclusion(leaf, index, size, [SumNode(*p) for p in path], sum_node) == root
    except (ValueError, TypeError):
        return False


def proof_to_json(path: Sequence[SumNode]) -> list[dict[str, str]]:
    return [{"hash": node.hash.hex(), "sum": str(node.sum)} for node in path]
