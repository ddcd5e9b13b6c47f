"""The tally export: everything an auditor needs to recompute a result without our database."""

from __future__ import annotations

from governance.conf import governance_config
from governance.eip712 import Domain
from governance.models import Ballot, PowerSnapshot, Proposal
from governance.selectors.tally import tally_get

EXPORT_VERSION = 1


def tally_export(proposal: Proposal) -> dict:
    """Proposal content, EIP-712 domain, the power snapshot and every signed ballot.

    Amounts are integer strings. ``result`` is what the server counted; the verifier
    (``manage.py governance_verify``) recomputes it from the rest of the file.
    """
    config = governance_config()
    tally = tally_get(proposal)
    reached, passed = tally.outcome(quorum=proposal.quorum, threshold=proposal.vote_threshold)
    return {
        "version": EXPORT_VERSION,
        "domain": Domain(config.chain_id, config.address).as_json(),
        "proposal": {
            "proposal_id": proposal.proposal_id,
            "title": proposal.title,
            "description": proposal.description,
            "description_hash": proposal.description_hash,
            "changes": proposal.changes,
            "proposer": proposal.proposer,
            "snapshot": int(proposal.snapshot_at.timestamp()),
            "snapshot_block": proposal.snapshot_block,
            "vote_start": proposal.vote_start.isoformat(),
            "vote_end": proposal.vote_end.isoformat(),
            "quorum": str(proposal.quorum),
            "vote_threshold": str(proposal.vote_threshold.normalize()),
            "state": proposal.state,
        },
        "snapshot": [
            {
                "address": row.address,
                "staked": str(row.staked),
                "token": str(row.token),
                "power": str(row.power),
                "delegate": row.delegate,
            }
            for row in PowerSnapshot.objects.filter(proposal=proposal).order_by("address")
        ],
        "ballots": [
            {
                "voter": b.voter,
                "support": b.support,
                "reason": b.reason,
                "nonce": b.nonce,
                "signature": b.signature,
                "via": b.via,
                "weight": str(b.weight),
                "cast_at": b.cast_at.isoformat(),
            }
            for b in Ballot.objects.filter(proposal=proposal).order_by("cast_at", "id").iterator()
        ],
        "result": {**tally.as_json(), "quorum_reached": reached, "passed": passed},
    }
