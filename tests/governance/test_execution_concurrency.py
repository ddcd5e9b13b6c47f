"""Two workers executing the same proposal at once: exactly one writes the parameters."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from governance.models import ParamValue, ProposalState
from governance.services.ballots import ballot_cast
from governance.services.lifecycle import proposal_advance, proposal_execute
from tests.governance.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_execution_writes_once(wallets, make_proposal):
    proposal = make_proposal(power={wallets[0]: 1})
    ballot_cast(now=at(proposal, hours=1), **wallets[0].ballot(proposal, 1))
    run_at = proposal.vote_end + timedelta(days=2, minutes=1)
    assert proposal_advance(proposal_pk=proposal.pk, now=run_at) == ProposalState.QUEUED
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(proposal_execute(proposal_pk=proposal.pk, now=run_at))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert ParamValue.objects.filter(source=f"proposal:{proposal.pk}").count() == 1
