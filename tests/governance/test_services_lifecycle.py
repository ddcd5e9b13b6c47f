from datetime import timedelta
from decimal import Decimal

import pytest

from common.exceptions import Forbidden, Invalid
from common.models import AuditEntry
from governance.models import ParamValue, ProposalState
from governance.selectors.params import param_get
from governance.services.ballots import ballot_cast
from governance.services.lifecycle import (
    proposal_advance,
    proposal_cancel_by_proposer,
    proposal_execute,
    proposals_tick,
)
from tests.governance.conftest import at

pytestmark = pytest.mark.django_db
S = ProposalState


def test_succeeded_proposal_is_queued_then_executed_once(wallets, make_proposal):
    a, b = wallets[:2]
    proposal = make_proposal(power={a: 60, b: 40})
    ballot_cast(now=at(proposal, hours=1), **a.ballot(proposal, 1))
    ballot_cast(now=at(proposal, hours=1), **b.ballot(proposal, 0))
    assert proposals_tick(now=at(proposal, hours=2)) == {"advanced": 1, "executed": 0}
    after_vote = proposal.vote_end + timedelta(seconds=1)
    proposals_tick(now=after_vote)
    proposal.refresh_from_db()
    assert proposal.state == S.QUEUED
    assert proposal.eta == proposal.vote_end + timedelta(days=2)
    assert not proposal_execute(proposal_pk=proposal.pk, now=after_vote)  # timelock
    run_at = proposal.eta + timedelta(minutes=1)
    assert proposals_tick(now=run_at) == {"advanced": 0, "executed": 1}
    assert proposals_tick(now=run_at) == {"advanced": 0, "executed": 0}
    assert not proposal_execute(proposal_pk=proposal.pk, now=run_at)
    proposal.refresh_from_db()
    assert proposal.state == S.EXECUTED
    row = ParamValue.objects.get(source=f"proposal:{proposal.pk}")
    assert (row.name, row.value, row.effective_at) == ("fee_take_rate", "0.0003", run_at)
    assert param_get("fee_take_rate", at=run_at - timedelta(seconds=1)) == Decimal("0.0002")
    assert param_get("fee_take_rate", at=run_at) == Decimal("0.0003")
    actions = list(
        AuditEntry.objects.filter(object_id=proposal.proposal_id).values_list("action", flat=True)
    )
    assert [a.rsplit(".", 1)[1] for a in actions] == [
        "created",
        "active",
        "succeeded",
        "queued",
        "executed",
    ]


def test_no_quorum_or_majority_is_defeated(wallets, make_proposal):
    a, b = wallets[:2]
    proposal = make_proposal(power={a: 50, b: 50})
    ballot_cast(now=at(proposal, hours=1), **a.ballot(proposal, 1))
    ballot_cast(now=at(proposal, hours=1), **b.ballot(proposal, 0))
    assert proposal_advance(proposal_pk=proposal.pk, now=proposal.vote_end) == S.DEFEATED


def test_queued_proposal_expires_after_grace(wallets, make_proposal):
    a = wallets[0]
    proposal = make_proposal(power={a: 1})
    ballot_cast(now=at(proposal, hours=1), **a.ballot(proposal, 1))
    late = proposal.vote_end + timedelta(days=2 + 14, seconds=1)
    assert proposals_tick(now=late) == {"advanced": 1, "executed": 0}
    proposal.refresh_from_db()
    assert proposal.state == S.EXPIRED


def test_execution_rechecks_the_step_against_the_value_then(wallets, make_proposal):
    a = wallets[0]
    first = make_proposal(power={a: 1}, value="0.0004")
    second = make_proposal(power={a: 1}, value="0", now=first.snapshot_at + timedelta(seconds=1))
    for p in (first, second):
        ballot_cast(now=at(p, hours=1), **a.ballot(p, 1, nonce=0 if p is first else 1))
    run_at = second.vote_end + timedelta(days=3)
    assert proposals_tick(now=run_at)["executed"] == 1
    first.refresh_from_db(), second.refresh_from_db()
    assert first.state == S.EXECUTED and second.state == S.QUEUED
    assert "largest step" in second.last_error


def test_proposer_cancels_only_before_voting(wallets, make_proposal):
    param_delay(3600)
    a, b = wallets[:2]
    proposal = make_proposal(power={a: 1})
    with pytest.raises(Forbidden):
        proposal_cancel_by_proposer(
            proposal_pk=proposal.pk, proposer=b.address, now=proposal.created_at
        )
    with pytest.raises(Invalid, match="voting has started"):
        proposal_cancel_by_proposer(
            proposal_pk=proposal.pk, proposer=a.address, now=proposal.vote_start
        )
    proposal_cancel_by_proposer(
        proposal_pk=proposal.pk, proposer=a.address, now=proposal.created_at
    )
    proposal.refresh_from_db()
    assert proposal.state == S.CANCELED
    with pytest.raises(Invalid, match="voting is closed"):
        ballot_cast(now=at(proposal, hours=1), **a.ballot(proposal, 1))


def param_delay(seconds):
    from governance.services.params import param_value_set
    from tests.governance.conftest import T0

    param_value_set(
        name="voting_delay",
        scope="global",
        value=str(seconds),
        source="seed",
        actor="t",
        effective_at=T0 - timedelta(days=1),
    )
