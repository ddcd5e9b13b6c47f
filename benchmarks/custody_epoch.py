"""Benchmark: build and verify a reserve-proof epoch with 1,000,000 stakers and entries.

    .venv/bin/python benchmarks/custody_epoch.py [--stakers N] [--entries N] [--previous N]

Synthetic and in memory: the ledger leaves are sha256 digests standing in for entry hashes,
the stakers random addresses with random balances, so the figures are the trees' and the
bundle's cost, not the database's (reading 1M hashes from PostgreSQL is a separate cost).
Measured, each in seconds: building the RFC 6962 ledger tree and the staker sum tree, the
consistency proof from an epoch of ``--previous`` entries, signing the whole bundle
(canonical JSON + sha256 + EIP-191), and the auditor's full ``verify_bundle`` (recomputes
both roots, the consistency proof and the signature). Per user: inclusion proof size and the
time to check one. The peer, in the same run, is plain ``hashlib.sha256`` over the same
number of leaves (one hash per leaf, no tree), so the trees' overhead is visible.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backstop_verify.bundle import (  # noqa: E402
    BUNDLE_FORMAT,
    bundle_sign,
    ledger_section,
    stakers_section,
    verify_bundle,
)
from backstop_verify.merkle import MerkleTree, verify_consistency, verify_inclusion  # noqa: E402
from backstop_verify.sumtree import SumTree, verify_sum_inclusion  # noqa: E402

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<48} {seconds:8.2f} s")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stakers", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--previous", type=int, default=900_000)
    args = parser.parse_args()
    rng = random.Random(7)
    entries = [hashlib.sha256(i.to_bytes(8, "big")).hexdigest() for i in range(args.entries)]
    stakers = [
        (f"0x{rng.getrandbits(160):040x}", rng.randrange(10**12)) for _ in range(args.stakers)
    ]
    gc.freeze()  # the inputs are setup: keep the collector from rescanning them while timing
    print(f"{args.entries:,} ledger entries, {args.stakers:,} stakers (synthetic, in memory)")

    raw = [bytes.fromhex(h) for h in entries]
    _, peer = timed(
        "peer: hashlib.sha256 once per leaf", lambda: [hashlib.sha256(b).digest() for b in raw]
    )
    ledger, t_ledger = timed("ledger tree (RFC 6962) build", lambda: MerkleTree.from_leaves(raw))
    sums, t_sums = timed("staker sum tree build", lambda: SumTree(stakers))
    proof, t_cons = timed(
        f"consistency proof from {args.previous:,}", lambda: ledger.consistency_proof(args.previous)
    )
    old_root = MerkleTree.from_leaves(raw[: args.previous]).root
    assert verify_consistency(args.previous, args.entries, old_root, ledger.root, proof)

    def build_bundle():
        previous = {"epoch": 1, "size": args.previous, "root": old_root.hex()}
        unsigned = {
            "format": BUNDLE_FORMAT,
            "epoch": 2,
            "created_at": "2026-01-01T00:00:00+00:00",
            "ledger": ledger_section(entries, previous=previous),
            "chains": [],
            "funds": [
                {
                    "name": "main",
                    "asset": "USDC",
                    "decimals": 6,
                    "liabilities": {"fund_balance": "0", "payouts_payable": "0", "total": "0"},
                    "assets": {"status": "no chain configured", "total": None, "wallets": []},
                    "solvent": None,
                    "stakers": stakers_section(stakers),
                }
            ],
        }
        return bundle_sign(unsigned, KEY)

    bundle, t_build = timed("epoch bundle: both trees + proof + sign", build_bundle)
    size_mb = len(json.dumps(bundle, separators=(",", ":"))) / 1e6
    checks, t_verify = timed(
        "auditor verify_bundle (full recompute)", lambda: verify_bundle(bundle)
    )
    assert all(check.ok for check in checks), [c for c in checks if not c.ok]

    index = args.stakers // 3
    sum_proof = sums.inclusion_proof(index)
    leaf_id, amount = sums.ids[index], sums.sums[0][index]
    runs = 1000
    start = time.perf_counter()
    for _ in range(runs):
        assert verify_sum_inclusion(leaf_id, amount, index, sums.size, sum_proof, sums.root)
    per_user = (time.perf_counter() - start) / runs
    ledger_proof = ledger.inclusion_proof(index)
    assert verify_inclusion(ledger.levels[0][index], index, ledger.size, ledger_proof, ledger.root)

    print(f"{'bundle size':<48} {size_mb:8.1f} MB")
    print(
        f"staker inclusion proof: {len(sum_proof)} nodes, {len(sum_proof) * 64} bytes "
        f"(hash + 32-byte sum each); check {per_user * 1e6:.0f} µs per user"
    )
    print(
        f"ledger inclusion proof: {len(ledger_proof)} hashes, {len(ledger_proof) * 32} bytes; "
        f"consistency proof: {len(proof)} hashes"
    )
    print(f"ledger tree vs peer sha256: {t_ledger / peer:.1f}x; sum tree: {t_sums / peer:.1f}x")
    print(f"targets (< 20 s each): build {t_build:.1f} s, verify {t_verify:.1f} s")


if __name__ == "__main__":
    main()
