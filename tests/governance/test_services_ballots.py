from datetime import timedelta

import pytest

from common.exceptions import Invalid
from governance.models import Ballot, Delegation, Member
from governance.selectors.tally import tally_get
from governance.services.ballots import ballot_cast, delegation_record
from governance.services.proposals import proposal_create
from tests.governance.conftest import T0, at

pytestmark = pytest.mark.django_db


def cast(ballot, now):
    return ballot_cast(now=now, **ballot)


def test_ballots_count_with_their_snapshot_power(wallets, make_proposal):
    a, b, c = wallets[:3]
    proposal = make_proposal(power={a: 60, b: 30, c: 10})
    now = at(proposal, hours=1)
    cast(a.ballot(proposal, 1, reason="yes"), now)
    cast(b.ballot(proposal, 0), now)
    cast(c.ballot(proposal, 2), now)
    tally = tally_get(proposal)
    assert (tally.for_votes, tally.against, tally.abstain, tally.voters) == (60, 30, 10, 3)
    assert Member.objects.get(address=a.address).nonce == 1


def tamper(ballot, **changes):
    return {**ballot, **changes}


@pytest.mark.parametrize(
    "case, field, reason",
    [
        ("before", "proposal", "voting opens"),
        ("after", "proposal", "voting closed"),
        ("chain", "chain_id", "expected 31337"),
        ("other_key", "signature", "not a signature by"),
        ("tampered", "signature", "not a signature by"),
        ("zero_power", "voter", "no voting power"),
        ("nonce", "nonce", "expected nonce 0"),
        ("support", "support", "must be 0"),
    ],
)
def test_bad_ballots_refused_and_nothing_recorded(wallets, make_proposal, case, field, reason):
    a, b, stranger = wallets[0], wallets[1], wallets[5]
    proposal = make_proposal(power={a: 10})
    now = at(proposal, hours=1)
    ballot = a.ballot(proposal, 1)
    if case == "before":
        now = proposal.vote_start - timedelta(seconds=1)
    elif case == "after":
        now = proposal.vote_end
    elif case == "chain":
        ballot = a.ballot(proposal, 1, chain_id=1)
    elif case == "other_key":
        ballot = tamper(ballot, signature=b.ballot(proposal, 1)["signature"])
    elif case == "tampered":
        ballot = tamper(ballot, support=0)
    elif case == "zero_power":
        ballot = stranger.ballot(proposal, 1)
    elif case == "nonce":
        ballot = a.ballot(proposal, 1, nonce=5)
    elif case == "support":
        ballot = tamper(ballot, support=3)
    with pytest.raises(Invalid) as info:
        cast(ballot, now)
    assert reason in info.value.fields[field][0]
    assert not Ballot.objects.exists()
    assert Member.objects.filter(nonce__gt=0).count() == 0


def test_voting_twice_refused(wallets, make_proposal):
    a = wallets[0]
    proposal = make_proposal(power={a: 10})
    cast(a.ballot(proposal, 1), at(proposal, hours=1))
    with pytest.raises(Invalid, match="already voted"):
        cast(a.ballot(proposal, 0, nonce=1), at(proposal, hours=2))
    assert Ballot.objects.get().support == 1


def test_late_quorum_extends_voting(wallets, make_proposal):
    a = wallets[0]
    proposal = make_proposal(power={a: 10})
    end = proposal.vote_end
    late = end - timedelta(hours=1)
    cast(a.ballot(proposal, 1), late)
    proposal.refresh_from_db()
    assert proposal.extended and proposal.vote_end == late + timedelta(hours=24) > end


def test_delegation_moves_power_to_the_delegatee(wallets):
    a, b = wallets[:2]
    config_expiry = int((T0 + timedelta(days=1)).timestamp())
    from governance.eip712 import typed_data
    from governance.services.ballots import domain_current

    message = {"delegatee": b.address, "nonce": 0, "expiry": config_expiry}
    signature = a.sign_typed(typed_data(domain_current(), "Delegation", message))
    delegation_record(
        delegator=a.address,
        delegatee=b.address,
        nonce=0,
        expiry=config_expiry,
        chain_id=31337,
        signature=signature,
        now=T0,
    )
    with pytest.raises(Invalid, match="expected nonce 1"):
        delegation_record(
            delegator=a.address,
            delegatee=b.address,
            nonce=0,
            expiry=config_expiry,
            chain_id=31337,
            signature=signature,
            now=T0,
        )
    assert Delegation.objects.count() == 1
    proposal = proposal_create(
        proposer=b.address,
        title="t",
        description="",
        changes=[{"name": "fee_take_rate", "value": "0.0003"}],
        now=T0 + timedelta(minutes=1),
    )
    # Holders' power comes from staking (absent here): give a's row power by hand.
    row = proposal.powersnapshot_set.filter(address=a.address)
    assert not row.exists()  # zero power rows are not stored
    from governance.models import PowerSnapshot

    PowerSnapshot.objects.create(
        proposal=proposal, address=a.address, power=7, staked=7, delegate=b.address
    )
    with pytest.raises(Invalid, match="no voting power"):
        cast(a.ballot(proposal, 1, nonce=1), at(proposal, hours=1))
    cast(b.ballot(proposal, 1), at(proposal, hours=1))
    assert tally_get(proposal).for_votes == 7
