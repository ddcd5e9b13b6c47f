from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from common.schedules import all_periodic
from governance.models import Delegation, ProposalState
from governance.tasks import advance_proposals_task

pytestmark = pytest.mark.django_db
API = "/api/v1/governance/"


def test_beat_task_is_scheduled_and_ticks(wallets, make_proposal):
    assert "governance.advance_proposals" in {job.task for job in all_periodic()}
    proposal = make_proposal(power={wallets[0]: 1}, now=timezone.now() - timedelta(days=10))
    assert advance_proposals_task.delay().get() == {"advanced": 1, "executed": 0}
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DEFEATED  # nobody voted


def test_delegation_through_the_api(wallets):
    a, b = wallets[:2]
    client = Client()
    typed = client.get(
        API + "delegations/typed-data/", {"delegator": a.address, "delegatee": b.address}
    ).json()
    body = {
        "delegator": a.address,
        "delegatee": b.address,
        "nonce": 0,
        "expiry": int(typed["message"]["expiry"]),
        "chain_id": 31337,
        "signature": a.sign_typed(typed),
    }
    response = client.post(API + "delegations/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    replay = client.post(API + "delegations/", body, content_type="application/json")
    assert replay.status_code == 400 and "nonce" in replay.json()["fields"]
    assert Delegation.objects.get().delegatee == b.address


def test_cancel_api_needs_the_proposer_or_the_guardian(wallets, make_proposal, settings):
    proposal = make_proposal(power={wallets[0]: 1})
    url = API + f"proposals/{proposal.proposal_id}/cancel/"
    assert Client().post(url, {}, content_type="application/json").status_code in (401, 403)
    response = Client().post(url, {"signature": "0x00"}, content_type="application/json")
    assert response.status_code == 403 and "guardian" in response.json()["message"]
