"""Benchmark: verify 100,000 EIP-712 ballots and tally a 100,000-ballot proposal.

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/governance_ballots.py [--ballots N]

Verification is what an auditor's ``governance_verify`` does for every ballot (digest,
ECDSA recovery, power lookup in the snapshot), timed on one process and on two. The peer,
measured in the same run, is eth-account's own recovery of a precomputed hash (no EIP-712
encoding, no power lookup) and its generic EIP-712 route. The tally is ``tally_get`` on
PostgreSQL over 100,000 stored ballots, inside a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from coincurve import PrivateKey  # noqa: E402
from eth_account import Account  # noqa: E402
from eth_account.messages import encode_typed_data  # noqa: E402
from eth_utils import keccak, to_checksum_address  # noqa: E402

from governance.eip712 import Domain, ballot_digest, typed_data  # noqa: E402

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
PROPOSAL_ID = "0x" + keccak(b"benchmark proposal").hex()


def make_export(count: int) -> dict:
    """A synthetic export: ``count`` voters, each signing one ballot with its own key."""
    separator = DOMAIN.separator()
    snapshot, ballots = [], []
    for i in range(count):
        key = PrivateKey((i + 1).to_bytes(32, "big"))
        address = to_checksum_address(keccak(key.public_key.format(compressed=False)[1:])[-20:])
        support = i % 3
        digest = ballot_digest(
            separator, proposal_id=PROPOSAL_ID, support=support, reason="", nonce=0
        )
        raw = key.sign_recoverable(digest, hasher=None)
        signature = raw[:64] + bytes([raw[64] + 27])
        power = 1 + i % 1000
        snapshot.append(
            {
                "address": address,
                "staked": str(power),
                "token": "0",
                "power": str(power),
                "delegate": address,
            }
        )
        ballots.append(
            {
                "voter": address,
                "support": support,
                "reason": "",
                "nonce": 0,
                "signature": "0x" + signature.hex(),
                "via": "ecdsa",
                "weight": str(power),
            }
        )
    return {"domain": DOMAIN.as_json(), "snapshot": snapshot, "ballots": ballots}


WORKER_EXPORT: dict = {}


def worker_load(export: dict) -> None:
    """Each worker process loads the export once (as an auditor's process reads the file)."""
    WORKER_EXPORT.update(export)


def verify_part(bounds: tuple[int, int]) -> int:
    """Our ballot checks on ballots [start, end) (no proposal-level checks: not per ballot)."""
    from governance.verify import ballots_check

    start, end = bounds
    part = {**WORKER_EXPORT, "ballots": WORKER_EXPORT["ballots"][start:end]}
    return ballots_check(part, PROPOSAL_ID)


def halves(count: int) -> list[tuple[int, int]]:
    middle = count // 2
    return [(0, middle), (middle, count)]


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    args = parser.parse_args()
    n = args.ballots
    started = time.perf_counter()
    export = make_export(n)
    print(f"made {n:,} signed ballots in {time.perf_counter() - started:.1f} s")

    worker_load(export)
    started = time.perf_counter()
    assert verify_part((0, n)) == n
    one = time.perf_counter() - started
    with ProcessPoolExecutor(2, initializer=worker_load, initargs=(export,)) as pool:
        list(pool.map(verify_part, [(0, 1), (1, 2)]))  # start both workers
        started = time.perf_counter()
        assert sum(pool.map(verify_part, halves(n))) == n
        two = time.perf_counter() - started

    sample = export["ballots"][: min(n, 5000)]
    digests = [
        ballot_digest(
            DOMAIN.separator(), proposal_id=PROPOSAL_ID, support=b["support"], reason="", nonce=0
        )
        for b in sample
    ]
    started = time.perf_counter()
    for digest, ballot in zip(digests, sample, strict=True):
        Account._recover_hash(digest, signature=bytes.fromhex(ballot["signature"][2:]))
    peer_raw = time.perf_counter() - started
    started = time.perf_counter()
    for ballot in sample:
        message = {
            "proposalId": PROPOSAL_ID,
            "support": ballot["support"],
            "reason": "",
            "nonce": 0,
        }
        Account.recover_message(
            encode_typed_data(full_message=typed_data(DOMAIN, "Ballot", message)),
            signature=bytes.fromhex(ballot["signature"][2:]),
        )
    peer_generic = time.perf_counter() - started

    print(f"verify (ours, digest + recover + power), 1 process:  {rate(n, one)}")
    print(
        f"verify (ours, digest + recover + power), 2 processes: {rate(n, two)}   target >= 2,000/s"
    )
    print(f"peer: eth-account recover of a precomputed hash:      {rate(len(sample), peer_raw)}")
    print(
        f"peer: eth-account generic EIP-712 encode + recover:    {rate(len(sample), peer_generic)}"
    )
    tally_benchmark(export)


def tally_benchmark(export: dict) -> None:
    from django.db import connection, transaction

    from governance.models import Ballot, Proposal
    from governance.selectors.tally import tally_get

    if connection.vendor != "postgresql":
        print("tally: skipped (needs PostgreSQL)")
        return
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction.atomic():
        proposal = Proposal.objects.create(
            proposal_id=PROPOSAL_ID,
            proposer=export["ballots"][0]["voter"],
            title="bench",
            description="",
            description_hash="0x" + "00" * 32,
            changes=[],
            snapshot_at=now,
            vote_start=now,
            vote_end=now + timedelta(days=3),
            quorum=1,
            vote_threshold="0.5",
            timelock_delay=0,
            grace_period=3600,
            late_quorum_extension=0,
            created_at=now,
        )
        started = time.perf_counter()
        Ballot.objects.bulk_create(
            (
                Ballot(
                    proposal=proposal,
                    voter=b["voter"],
                    support=b["support"],
                    reason="",
                    nonce=0,
                    signature=b["signature"],
                    via="ecdsa",
                    weight=int(b["weight"]),
                    cast_at=now,
                )
                for b in export["ballots"]
            ),
            batch_size=5000,
        )
        inserted = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE governance_ballot")
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            tally = tally_get(proposal)
            timings.append(time.perf_counter() - started)
        assert tally.voters == len(export["ballots"])
        print(
            f"stored {tally.voters:,} ballots in {inserted:.1f} s; "
            f"tally from the database: best {min(timings) * 1000:.0f} ms, "
            f"worst {max(timings) * 1000:.0f} ms   target < 1 s"
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
