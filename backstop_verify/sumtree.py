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

from backstop_verify.merkle import audit_path, build_levels, fold_inclusion

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
    """Sum tree over ``(id, amount)`` leaves, in the given order."""

    def __init__(self, leaves: Sequence[tuple[str, int]]):
        self.ids = [leaf_id for leaf_id, _ in leaves]
        self.levels = build_levels([sum_leaf(i, a) for i, a in leaves], sum_node)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    @property
    def root(self) -> SumNode:
        return self.levels[-1][0]

    def inclusion_proof(self, index: int) -> list[SumNode]:
        return audit_path(self.levels, index)


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


def proof_from_json(items: Sequence[dict]) -> list[SumNode]:
    return [SumNode(bytes.fromhex(item["hash"]), int(item["sum"])) for item in items]
