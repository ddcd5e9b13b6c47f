"""Recompute a tally export from the file alone: ids, signatures, power and the result.

Pure functions over the JSON (no database, no settings), so the same check runs in the
``governance_verify`` command and in tests. Ballots from contract wallets (EIP-1271) cannot
be checked without a node; they are counted and reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from governance.content import description_hash, proposal_id_compute
from governance.eip712 import Domain, ballot_digest, recover, signature_bytes
from governance.selectors.tally import Tally


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    unchecked_contract_ballots: int = 0
    tally: Tally | None = None
    quorum_reached: bool = False
    passed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def export_verify(data: dict) -> VerifyReport:
    report = VerifyReport()
    proposal = data["proposal"]
    if description_hash(proposal["description"]) != proposal["description_hash"]:
        report.problems.append("description does not match description_hash")
    expected_id = proposal_id_compute(
        changes=proposal["changes"],
        description_hash=proposal["description_hash"],
        snapshot=int(proposal["snapshot"]),
    )
    if expected_id != proposal["proposal_id"]:
        report.problems.append(f"proposal_id should be {expected_id}")
    sums, voters = ballots_tally(data, proposal["proposal_id"], report)
    report.tally = Tally(for_votes=sums[1], against=sums[0], abstain=sums[2], voters=voters)
    report.quorum_reached, report.passed = report.tally.outcome(
        quorum=int(proposal["quorum"]), threshold=Decimal(proposal["vote_threshold"])
    )
    claimed = data.get("result", {})
    recomputed = {
        **report.tally.as_json(),
        "quorum_reached": report.quorum_reached,
        "passed": report.passed,
    }
    for key, value in recomputed.items():
        if key in claimed and claimed[key] != value:
            report.problems.append(f"result.{key}: file says {claimed[key]}, recomputed {value}")
    return report


def ballots_tally(data: dict, proposal_id: str, report: VerifyReport) -> tuple[dict, int]:
    """Check every ballot (signature, one per voter, weight = snapshot power) and sum them."""
    domain_json = data["domain"]
    separator = Domain(int(domain_json["chainId"]), domain_json["verifyingContract"]).separator()
    power: dict[str, int] = {}
    for row in data["snapshot"]:
        if int(row["staked"]) + int(row["token"]) != int(row["power"]):
            report.problems.append(f"snapshot {row['address']}: power is not staked + token")
        power[row["delegate"]] = power.get(row["delegate"], 0) + int(row["power"])
    sums = {0: 0, 1: 0, 2: 0}
    seen: set[str] = set()
    for index, ballot in enumerate(data["ballots"]):
        voter = ballot["voter"]
        if voter in seen:
            report.problems.append(f"ballot {index}: {voter} voted twice")
            continue
        seen.add(voter)
        if ballot.get("via") == "eip1271":
            report.unchecked_contract_ballots += 1
        else:
            digest = ballot_digest(
                separator,
                proposal_id=proposal_id,
                support=int(ballot["support"]),
                reason=ballot["reason"],
                nonce=int(ballot["nonce"]),
            )
            if recover(digest, signature_bytes(ballot["signature"])) != voter:
                report.problems.append(f"ballot {index}: signature is not by {voter}")
                continue
        weight = power.get(voter, 0)
        if weight != int(ballot["weight"]):
            report.problems.append(f"ballot {index}: weight {ballot['weight']}, snapshot {weight}")
        sums[int(ballot["support"])] += weight
    return sums, len(seen)


def ballots_check(data: dict, proposal_id: str) -> int:
    """How many ballots of ``data`` verify (the benchmark's unit of work)."""
    report = VerifyReport()
    ballots_tally(data, proposal_id, report)
    return len(data["ballots"]) - len(report.problems)
