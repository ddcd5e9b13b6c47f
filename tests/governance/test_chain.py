"""On anvil: token voting power at the snapshot block, and the guardian Safe (EIP-1271)."""

from datetime import timedelta

import pytest

from common.exceptions import Invalid
from governance.eip712 import cancel_digest
from governance.models import Member, PowerSnapshot, ProposalState
from governance.selectors.tally import tally_get
from governance.services.ballots import ballot_cast, domain_current
from governance.services.lifecycle import proposal_cancel_by_guardian, proposals_tick
from governance.services.proposals import proposal_create
from tests.governance.chain_helpers import deploy_token, send
from tests.governance.conftest import T0, at

pytestmark = [pytest.mark.chain, pytest.mark.django_db]


def mine(w3, blocks):
    w3.provider.make_request("anvil_mine", [hex(blocks)])


def test_token_power_is_read_at_the_confirmed_snapshot_block(gov_chain, settings, wallets):
    w3 = gov_chain
    token = deploy_token(w3)
    settings.GOVERNANCE_TOKEN = token.address
    a, b, late = wallets[0], wallets[1], wallets[2]
    send(w3, token.functions.transfer(a.address, 700))
    send(w3, token.functions.transfer(b.address, 300))
    Member.objects.create(address=a.address, first_seen_at=T0 - timedelta(days=1))
    mine(w3, 2)
    head = w3.eth.block_number
    # Within the confirmation depth: not part of the snapshot.
    send(w3, token.functions.transfer(late.address, 5000))
    proposal = proposal_create(
        proposer=a.address,
        title="t",
        description="",
        changes=[{"name": "fee_take_rate", "value": "0.0003"}],
        now=T0,
    )
    assert proposal.snapshot_block == head + 1 - 2
    assert PowerSnapshot.objects.get(proposal=proposal, address=a.address).token == 700
    # Power acquired after the snapshot does not count (no flash-loan votes).
    send(w3, token.functions.transfer(b.address, 10_000))
    mine(w3, 3)
    now = at(proposal, hours=1)
    ballot_cast(now=now, **b.ballot(proposal, 0))  # b was no member: read at the snapshot block
    ballot_cast(now=now, **a.ballot(proposal, 1))
    with pytest.raises(Invalid, match="no voting power"):
        ballot_cast(now=now, **late.ballot(proposal, 1))
    tally = tally_get(proposal)
    assert (tally.for_votes, tally.against) == (700, 300)


def test_guardian_safe_cancels_by_eip1271(guardian, wallets, make_proposal):
    proposal = make_proposal(power={wallets[0]: 5})
    digest = cancel_digest(domain_current().separator(), proposal_id=proposal.proposal_id)
    now = at(proposal, hours=1)
    with pytest.raises(Invalid, match="did not accept"):
        proposal_cancel_by_guardian(
            proposal_pk=proposal.pk, signature=guardian.sign(digest, owners=1), now=now
        )
    other = make_proposal(power={wallets[0]: 5}, now=T0 + timedelta(seconds=1), value="0.0001")
    with pytest.raises(Invalid, match="did not accept"):  # signed for another proposal
        proposal_cancel_by_guardian(proposal_pk=other.pk, signature=guardian.sign(digest), now=now)
    canceled = proposal_cancel_by_guardian(
        proposal_pk=proposal.pk, signature=guardian.sign(digest), now=now
    )
    assert canceled.state == ProposalState.CANCELED and canceled.canceled_by == guardian.address


def test_guardian_cancel_through_the_api(guardian, wallets, make_proposal):
    from django.test import Client

    proposal = make_proposal(power={wallets[0]: 5})
    base = f"/api/v1/governance/proposals/{proposal.proposal_id}/"
    typed = Client().get(base + "cancel-typed-data/").json()
    assert typed["primaryType"] == "Cancel"
    digest = cancel_digest(domain_current().separator(), proposal_id=proposal.proposal_id)
    response = Client().post(
        base + "cancel/", {"signature": guardian.sign(digest)}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "canceled"


def test_guardian_cannot_cancel_after_execution(guardian, wallets, make_proposal):
    proposal = make_proposal(power={wallets[0]: 5})
    ballot_cast(now=at(proposal, hours=1), **wallets[0].ballot(proposal, 1))
    proposals_tick(now=proposal.vote_end + timedelta(days=2, hours=1))
    digest = cancel_digest(domain_current().separator(), proposal_id=proposal.proposal_id)
    with pytest.raises(Invalid, match="executed cannot be canceled"):
        proposal_cancel_by_guardian(
            proposal_pk=proposal.pk,
            signature=guardian.sign(digest),
            now=proposal.vote_end + timedelta(days=3),
        )


def test_a_safe_votes_through_eip1271(guardian, make_proposal, wallets):
    from governance.eip712 import ballot_digest

    proposal = make_proposal(power={})
    PowerSnapshot.objects.create(
        proposal=proposal, address=guardian.address, power=9, staked=9, delegate=guardian.address
    )
    digest = ballot_digest(
        domain_current().separator(),
        proposal_id=proposal.proposal_id,
        support=1,
        reason="",
        nonce=0,
    )
    ballot = ballot_cast(
        proposal_id=proposal.proposal_id,
        voter=guardian.address,
        support=1,
        reason="",
        nonce=0,
        chain_id=31337,
        signature=guardian.sign(digest),
        now=at(proposal, hours=1),
    )
    assert ballot.via == "eip1271" and ballot.weight == 9
