"""RFC 6962 trees and the staker sum tree of backstop_verify (pure functions, no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstop_verify.merkle import (
    MerkleTree,
    largest_power_of_two_below,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from backstop_verify.sumtree import SumNode, SumTree, verify_sum_inclusion

# The reference leaves of RFC 6962's test suite (certificate-transparency, trillian).
RFC_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
RFC_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 6962 §2.1, recursively."""
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = largest_power_of_two_below(len(leaves))
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


@pytest.mark.parametrize("size", sorted(RFC_ROOTS))
def test_roots_match_rfc6962_vectors(size):
    assert MerkleTree.from_leaves(RFC_LEAVES[:size]).root.hex() == RFC_ROOTS[size]


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40))
def test_root_and_every_inclusion_proof(leaves):
    tree = MerkleTree.from_leaves(leaves)
    assert tree.root == reference_root(leaves)
    for index, leaf in enumerate(leaves):
        proof = tree.inclusion_proof(index)
        assert verify_inclusion(leaf_hash(leaf), index, len(leaves), proof, tree.root)
        assert not verify_inclusion(leaf_hash(leaf + b"!"), index, len(leaves), proof, tree.root)


@given(st.integers(1, 70), st.data())
def test_consistency_proofs(new_size, data):
    leaves = [i.to_bytes(2, "big") for i in range(new_size)]
    old_size = data.draw(st.integers(1, new_size))
    new = MerkleTree.from_leaves(leaves)
    old = MerkleTree.from_leaves(leaves[:old_size])
    proof = new.consistency_proof(old_size)
    assert verify_consistency(old_size, new_size, old.root, new.root, proof)
    rewritten = MerkleTree.from_leaves([b"forged"] + leaves[1:old_size])
    assert not verify_consistency(old_size, new_size, rewritten.root, new.root, proof)


def test_consistency_refuses_shrinking_and_empty_proofs():
    tree = MerkleTree.from_leaves(RFC_LEAVES)
    assert not verify_consistency(5, 3, tree.root, tree.root, [])
    assert not verify_consistency(3, 8, tree.root, tree.root, [])


def test_sum_tree_inclusion_and_totals():
    leaves = [(f"0x{i:040x}", i * 1000) for i in range(1, 12)]
    tree = SumTree(leaves)
    assert tree.root.sum == sum(amount for _, amount in leaves)
    for index, (leaf_id, amount) in enumerate(leaves):
        proof = tree.inclusion_proof(index)
        assert verify_sum_inclusion(leaf_id, amount, index, tree.size, proof, tree.root)
        assert not verify_sum_inclusion(leaf_id, amount - 1, index, tree.size, proof, tree.root)


def test_sum_tree_sibling_sums_are_committed():
    """A proof whose sibling sum is shifted (same total) no longer reaches the root."""
    tree = SumTree([("a", 10), ("b", 20), ("c", 30), ("d", 40)])
    proof = tree.inclusion_proof(0)
    shifted = [SumNode(proof[0].hash, proof[0].sum + 5), SumNode(proof[1].hash, proof[1].sum - 5)]
    assert verify_sum_inclusion("a", 10, 0, 4, proof, tree.root)
    assert not verify_sum_inclusion("a", 10, 0, 4, shifted, tree.root)


def test_sum_tree_refuses_negative_amounts():
    with pytest.raises(ValueError):
        SumTree([("a", -1)])


@given(st.lists(st.integers(0, 10**30), min_size=1, max_size=40))
def test_sum_tree_every_proof_and_the_total(amounts):
    leaves = [(f"0x{i:040x}", amount) for i, amount in enumerate(amounts)]
    tree = SumTree(leaves)
    assert tree.root.sum == sum(amounts)
    assert tree.root == SumTree.from_columns([i for i, _ in leaves], amounts).root
    for index, (leaf_id, amount) in enumerate(leaves):
        proof = tree.inclusion_proof(index)
        assert verify_sum_inclusion(leaf_id, amount, index, len(leaves), proof, tree.root)
        assert not verify_sum_inclusion(leaf_id, amount + 1, index, len(leaves), proof, tree.root)
