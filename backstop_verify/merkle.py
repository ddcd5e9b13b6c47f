"""RFC 6962 Merkle trees: roots, inclusion (audit) paths and consistency proofs.

Leaf hash ``sha256(0x00 || leaf)``, node hash ``sha256(0x01 || left || right)``; a tree of n
leaves splits at the largest power of two below n (RFC 6962 §2.1). Built bottom-up, pairing
neighbours and carrying an unpaired last node up unchanged, which yields exactly the RFC's
tree while hashing each node once.

Proof verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency). The
same shape walk is reused by the sum tree (``sumtree.py``) with another node function, so
both trees share one implementation of the index arithmetic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TypeVar

N = TypeVar("N")

_sha256 = hashlib.sha256


def leaf_hash(leaf: bytes) -> bytes:
    return _sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n >= 2): the RFC's split point."""
    return 1 << ((n - 1).bit_length() - 1)


def build_levels(bottom: list[N], combine: Callable[[N, N], N]) -> list[list[N]]:
    """All levels of the tree, leaves first, root level last (one node)."""
    if not bottom:
        raise ValueError("a Merkle tree needs at least one leaf")
    levels = [bottom]
    level = bottom
    while len(level) > 1:
        nxt = [combine(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        levels.append(nxt)
        level = nxt
    return levels


def audit_path(levels: list[list[N]], index: int) -> list[N]:
    """Siblings from the leaf up to the root (RFC 6962 PATH), skipping carried-up levels."""
    if not 0 <= index < len(levels[0]):
        raise IndexError(f"leaf {index} is outside a tree of {len(levels[0])}")
    path = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index >>= 1
    return path


def fold_inclusion(
    leaf: N, index: int, size: int, path: Sequence[N], combine: Callable[[N, N], N]
) -> N | None:
    """The root implied by an audit path (RFC 9162 §2.1.3.2), or None if the path is malformed."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = combine(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = combine(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


class MerkleTree:
    """An RFC 6962 tree over leaves already hashed with :func:`leaf_hash`."""

    def __init__(self, leaf_hashes: list[bytes]):
        self.levels = build_levels(list(leaf_hashes), node_hash)

    @classmethod
    def from_leaves(cls, leaves: list[bytes]) -> MerkleTree:
        return cls([leaf_hash(leaf) for leaf in leaves])

    @property
    def size(self) -> int:
        return len(self.levels[0])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def inclusion_proof(self, index: int) -> list[bytes]:
        return audit_path(self.levels, index)

    def subtree_root(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) from the stored levels (aligned perfect blocks are looked up)."""
        width = end - start
        height = width.bit_length() - 1
        if width == 1 << height and start % width == 0:
            return self.levels[height][start >> height]
        k = largest_power_of_two_below(width)
        return node_hash(self.subtree_root(start, start + k), self.subtree_root(start + k, end))

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """RFC 6962 §2.1.2 PROOF(m, D[n]) from the tree of ``old_size`` leaves to this one."""
        if not 0 < old_size <= self.size:
            raise ValueError(f"old size {old_size} is not within 1..{self.size}")
        return self._subproof(old_size, 0, self.size, True)

    def _subproof(self, m: int, start: int, end: int, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self.subtree_root(start, end)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return self._subproof(m, start, start + k, complete) + [
                self.subtree_root(start + k, end)
            ]
        return self._subproof(m - k, start + k, end, False) + [self.subtree_root(start, start + k)]


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """True when ``leaf`` (already leaf-hashed) sits at ``index`` of the tree with ``root``."""
    return fold_inclusion(leaf, index, size, path, node_hash) == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when the tree of ``new_root`` extends the tree of ``old_root`` (RFC 9162 §2.1.4.2)."""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a subtree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
