import pytest
from django.test import Client

from governance.models import Ballot, Proposal
from tests.governance.conftest import power_grant

pytestmark = pytest.mark.django_db
API = "/api/v1/governance/"


def sign_in(client, wallet):
    response = client.post(
        API + "signin/message/", {"address": wallet.address}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    message = response.json()["message"]
    response = client.post(
        API + "signin/verify/",
        {"message": message, "signature": wallet.sign_text(message)},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response


def test_member_flow_through_the_api(wallets):
    client = Client(enforce_csrf_checks=True)
    a = wallets[0]
    body = {
        "title": "Fee",
        "description": "x",
        "changes": [{"name": "fee_take_rate", "scope": "global", "value": "0.0003"}],
    }
    anonymous = client.post(API + "proposals/", body, content_type="application/json")
    assert anonymous.status_code == 401
    sign_in(client, a)
    assert client.get(API + "session/").json() == {"address": a.address}
    response = client.post(API + "proposals/", body, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["message"]
    token = client.cookies["csrftoken"]
    response = client.post(
        API + "proposals/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token.value
    )
    assert response.status_code == 201, response.content
    pid = response.json()["proposal_id"]
    proposal = Proposal.objects.get(proposal_id=pid)
    power_grant(proposal, {a: 10})

    typed = client.get(
        API + f"proposals/{pid}/ballot-typed-data/", {"voter": a.address, "support": 1}
    ).json()
    assert typed["message"]["nonce"] == "0" and typed["domain"]["chainId"] == 31337
    signature = a.sign_typed(typed)
    ballot = {
        "voter": a.address,
        "support": 1,
        "reason": "",
        "nonce": 0,
        "chain_id": 31337,
        "signature": signature,
    }
    response = client.post(
        API + f"proposals/{pid}/ballots/", ballot, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    again = client.post(API + f"proposals/{pid}/ballots/", ballot, content_type="application/json")
    assert again.status_code == 400
    assert "already voted" in again.json()["fields"]["voter"][0]
    assert Ballot.objects.count() == 1
    tally = client.get(API + f"proposals/{pid}/tally/").json()
    assert tally["for_votes"] == "10" and tally["passed"] is True
    changes = client.get(API + f"proposals/{pid}/changes/").json()
    assert changes[0]["current"] == "0.0002" and changes[0]["proposed"] == "0.0003"
    assert client.get(API + f"proposals/{pid}/export/").json()["ballots"][0]["signature"] == (
        signature
    )
    assert client.get(API + "proposals/0x" + "00" * 32 + "/").status_code == 404


def test_bad_ballot_gives_a_precise_error(wallets, make_proposal):
    a = wallets[0]
    proposal = make_proposal(power={a: 1})
    ballot = a.ballot(proposal, 1, chain_id=5)
    pid = ballot.pop("proposal_id")
    response = Client().post(
        API + f"proposals/{pid}/ballots/", ballot, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"chain_id": ["signed for chain 5, expected 31337"]}


def test_params_catalog_lists_declared_params():
    rows = {row["name"]: row for row in Client().get(API + "params/").json()}
    assert rows["fee_take_rate"]["max"] == "0.0005"
    assert rows["fee_take_rate"]["value"] == "0.0002"


def test_schema_has_the_governance_endpoints():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/governance/proposals/{proposal_id}/ballots/" in response.content
