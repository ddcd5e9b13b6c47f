"""The proposal lifecycle under random sequences of votes, cancels, ticks and clock moves.

An oracle computes the state a proposal must be in from the clock, the ballots and whether
a tick ran inside the execution window; the real services must agree after every tick, and
no parameter is ever written twice for one proposal.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from common.exceptions import BackstopError
from governance.models import FINAL_STATES, ParamValue, Proposal, ProposalState
from governance.services.ballots import ballot_cast
from governance.services.lifecycle import proposal_cancel_by_proposer, proposals_tick
from governance.services.params import param_value_set
from governance.services.proposals import proposal_create
from tests.governance.conftest import T0, Wallet, power_grant

S = ProposalState
STEPS = (
    [timedelta(seconds=1)]
    + [timedelta(minutes=30)] * 2
    + [timedelta(hours=20)] * 3
    + [
        timedelta(days=3),
        timedelta(days=15),
    ]
)


class Lifecycle(RuleBasedStateMachine):
    wallets = [Wallet(i) for i in range(4)]

    @initialize(
        powers=st.lists(st.integers(min_value=1, max_value=50), min_size=4, max_size=4),
        quorum=st.integers(min_value=1, max_value=80),
        delay=st.sampled_from([0, 3600]),
    )
    def setup(self, powers, quorum, delay):
        self.savepoint = transaction.savepoint()
        for name, value in (("quorum", quorum), ("voting_delay", delay)):
            param_value_set(
                name=name,
                scope="global",
                value=str(value),
                source="seed",
                actor="test",
                effective_at=T0 - timedelta(days=1),
            )
        self.proposal = proposal_create(
            proposer=self.wallets[0].address,
            title="t",
            description="",
            changes=[{"name": "fee_take_rate", "value": "0.0003"}],
            now=T0,
        )
        self.power = {w.address: p for w, p in zip(self.wallets, powers, strict=True)}
        power_grant(self.proposal, {w: p for w, p in zip(self.wallets, powers, strict=True) if p})
        self.now = T0
        self.votes: dict[str, int] = {}
        self.canceled = False
        self.executed_in_window = False
        self.seen_final = None

    def teardown(self):
        if hasattr(self, "savepoint"):
            transaction.savepoint_rollback(self.savepoint)

    def fresh(self) -> Proposal:
        return Proposal.objects.get(pk=self.proposal.pk)

    @rule(step=st.sampled_from(STEPS))
    def move_clock(self, step):
        self.now += step

    @rule(index=st.integers(0, 3), support=st.integers(0, 2))
    def vote(self, index, support):
        wallet = self.wallets[index]
        p = self.fresh()
        open_ = (
            not self.canceled
            and p.state in (S.PENDING, S.ACTIVE)
            and p.vote_start <= self.now < p.vote_end
        )
        should = open_ and wallet.address not in self.votes and self.power[wallet.address] > 0
        nonce = len([a for a in self.votes if a == wallet.address])
        try:
            with transaction.atomic():
                ballot_cast(now=self.now, **wallet.ballot(p, support, nonce=nonce))
        except BackstopError:
            assert not should, "a valid ballot was refused"
        else:
            assert should, "an invalid ballot was accepted"
            self.votes[wallet.address] = support

    @rule()
    def cancel(self):
        p = self.fresh()
        should = p.state == S.PENDING and self.now < p.vote_start
        try:
            with transaction.atomic():
                proposal_cancel_by_proposer(proposal_pk=p.pk, proposer=p.proposer, now=self.now)
        except BackstopError:
            assert not should
        else:
            assert should
            self.canceled = True

    @rule()
    def tick(self):
        proposals_tick(now=self.now)
        p = self.fresh()
        expected = self.oracle(p)
        assert p.state == expected, (p.state, expected, self.now)
        event(f"state {p.state}")
        if p.state == S.EXECUTED:
            self.executed_in_window = True

    def oracle(self, p: Proposal) -> str:
        if self.canceled:
            return S.CANCELED
        if self.now < p.vote_start:
            return S.PENDING
        if self.now < p.vote_end:
            return S.ACTIVE
        weights = {s: 0 for s in range(3)}
        for address, support in self.votes.items():
            weights[support] += self.power[address]
        decided = weights[1] + weights[0]
        passed = weights[1] + weights[2] >= p.quorum and decided > 0 and weights[1] * 2 > decided
        if not passed:
            return S.DEFEATED
        eta = p.vote_end + timedelta(seconds=p.timelock_delay)
        if self.now < eta:
            return S.QUEUED
        if self.now < eta + timedelta(seconds=p.grace_period) or self.executed_in_window:
            return S.EXECUTED
        return S.EXPIRED

    @invariant()
    def final_states_stay_and_params_written_once(self):
        if not hasattr(self, "proposal"):
            return
        p = self.fresh()
        if self.seen_final:
            assert p.state == self.seen_final
        elif p.state in FINAL_STATES:
            self.seen_final = p.state
        writes = ParamValue.objects.filter(source=f"proposal:{p.pk}").count()
        assert writes == (1 if p.state == S.EXECUTED else 0)
        if p.extended:
            assert p.vote_end == p.quorum_reached_at + timedelta(seconds=p.late_quorum_extension)


@pytest.mark.django_db
def test_lifecycle_state_machine():
    Lifecycle.TestCase.settings = settings(max_examples=25, stateful_step_count=40, deadline=None)
    Lifecycle.TestCase().runTest()
