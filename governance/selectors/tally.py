"""Tallies: sums of ballot weights per support, and whether a proposal passed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import QuerySet, Sum

from governance.models import Ballot, PowerSnapshot, Proposal, Support


def amount_sums(queryset: QuerySet, key: str, field: str) -> dict:
    """Exact integer sums of an AmountField grouped by ``key``.

    PostgreSQL sums NUMERIC exactly; SQLite would sum through floats, so there we add in
    Python (see common/fields.py).
    """
    if connection.vendor == "postgresql":
        rows = queryset.values(key).annotate(total=Sum(field)).values_list(key, "total")
        return {k: int(total) for k, total in rows}
    sums: dict = {}
    for k, value in queryset.values_list(key, field).iterator():
        sums[k] = sums.get(k, 0) + int(value)
    return sums


@dataclass(frozen=True)
class Tally:
    for_votes: int
    against: int
    abstain: int
    voters: int

    @property
    def quorum_votes(self) -> int:
        return self.for_votes + self.abstain

    def outcome(self, *, quorum: int, threshold: Decimal) -> tuple[bool, bool]:
        """(quorum reached, passed): for must exceed ``threshold`` of for + against, exactly."""
        reached = self.quorum_votes >= quorum
        decided = self.for_votes + self.against
        passed = reached and decided > 0 and self.for_votes > Fraction(threshold) * decided
        return reached, passed

    def as_json(self) -> dict:
        return {
            "for": str(self.for_votes),
            "against": str(self.against),
            "abstain": str(self.abstain),
            "voters": self.voters,
        }


def tally_get(proposal: Proposal) -> Tally:
    ballots = Ballot.objects.filter(proposal=proposal)
    sums = amount_sums(ballots, "support", "weight")
    return Tally(
        for_votes=sums.get(Support.FOR, 0),
        against=sums.get(Support.AGAINST, 0),
        abstain=sums.get(Support.ABSTAIN, 0),
        voters=ballots.count(),
    )


def tally_summary(proposal: Proposal) -> dict:
    """The tally with the proposal's quorum and outcome so far (amounts as strings)."""
    tally = tally_get(proposal)
    reached, passed = tally.outcome(quorum=proposal.quorum, threshold=proposal.vote_threshold)
    return {
        "for_votes": str(tally.for_votes),
        "against": str(tally.against),
        "abstain": str(tally.abstain),
        "voters": tally.voters,
        "quorum": str(proposal.quorum),
        "quorum_reached": reached,
        "passed": passed,
        "tally": tally,
    }


def voting_power(*, proposal: Proposal, address: str) -> int:
    """Power voting with ``address``: its own undelegated power plus power delegated to it."""
    rows = PowerSnapshot.objects.filter(proposal=proposal, delegate=address)
    return amount_sums(rows, "delegate", "power").get(address, 0)
