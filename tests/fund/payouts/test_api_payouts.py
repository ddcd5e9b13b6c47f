"""The staff payout API: who gets in (403 for everyone else), and the services behind it."""

import pytest
from django.test import Client

from fund.models import Entry, Payout
from tests.fund.payouts.conftest import ALICE_ADDRESS

API = "/api/v1/fund/payouts/"
NEW = {"fund": "main", "amount": "2500000", "reason": "venue refund", "recipient_account": "alice"}


@pytest.fixture
def pending(funded, transfer, reviewer):
    return transfer(reviewer(), 1_000)


def test_outsiders_get_403_and_nothing_changes(
    pending, signed_in, staff_factory, django_user_model
):
    member = django_user_model.objects.create_user(username="member", password="x" * 12)
    user_client = Client()
    user_client.force_login(member)
    password_only = Client()
    password_only.force_login(staff_factory("payout_reviewer")[0])
    _, wrong_role = signed_in("auditor")
    for client in (Client(), user_client, password_only, wrong_role):
        assert client.get(API).status_code == 403
        response = client.post(f"{API}{pending.pk}/approve/")
        assert response.status_code == 403
        assert response.json()["code"] in ("not_authenticated", "permission_denied")
    pending.refresh_from_db()
    assert pending.status == Payout.Status.PENDING and not pending.approvals.exists()


def test_create_then_only_someone_else_approves(funded, signed_in, fund_params):
    fund_params(payout_review_threshold=10**12)
    creator, creator_client = signed_in("payout_reviewer")
    _, other = signed_in("payout_reviewer")
    created = creator_client.post(f"{API}create/", NEW, content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["amount"] == "2500000" and body["status"] == "pending"
    own = creator_client.post(f"{API}{body['id']}/approve/")
    assert own.status_code == 403 and "created this payout" in own.json()["message"]
    approved = other.post(f"{API}{body['id']}/approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == "booked" and approved.json()["entry_seq"]
    again = other.post(f"{API}{body['id']}/approve/")
    assert again.status_code == 200 and Entry.objects.filter(kind="payout").count() == 1


def test_idempotency_key_replays_the_same_payout(funded, signed_in):
    _, client = signed_in("payout_reviewer")
    first, second = (
        client.post(
            f"{API}create/", NEW, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc"
        )
        for _ in range(2)
    )
    assert first.json()["id"] == second.json()["id"] and Payout.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"amount": "0"}, 400, "amount"),
        ({"amount": "-1"}, 400, "amount"),
        ({"fund": "nope"}, 404, "fund"),
        (
            {"recipient_account": "", "recipient_address": ALICE_ADDRESS.lower(), "chain_id": 1},
            400,
            "recipient_address",
        ),
    ],
)
def test_bad_input_is_a_precise_error(funded, signed_in, changes, status, field):
    _, client = signed_in("payout_reviewer")
    response = client.post(f"{API}create/", {**NEW, **changes}, content_type="application/json")
    assert response.status_code == status
    assert field in response.json()["fields"]
    assert not Payout.objects.exists()


def test_reject_and_claim_review(funded, pending, signed_in, main_fund):
    from fund.services.claims import claim_submit
    from tests.fund.payouts.conftest import LOSS

    _, client = signed_in("payout_reviewer")
    rejected = client.post(
        f"{API}{pending.pk}/reject/", {"reason": "duplicate"}, content_type="application/json"
    )
    assert rejected.json()["status"] == "rejected"
    claim = claim_submit(
        member_address=ALICE_ADDRESS, fund=main_fund, amount=5, loss_time=LOSS, evidence="x"
    )
    assert [c["id"] for c in client.get(f"{API}claims/").json()] == [claim.pk]
    reviewed = client.post(
        f"{API}claims/{claim.pk}/review/",
        {"approve": True, "recipient_account": "alice"},
        content_type="application/json",
    )
    assert reviewed.status_code == 200 and reviewed.json()["payout"]


def test_csrf_is_enforced(pending, signed_in):
    user, _ = signed_in("payout_reviewer")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(f"{API}{pending.pk}/approve/").status_code == 403


def test_a_wallet_signed_member_cannot_approve(pending, member_client):
    client = member_client
    assert client.post(f"{API}{pending.pk}/approve/").status_code == 403
    page = client.post(f"/fund/staff/payouts/{pending.pk}/approve/")
    assert page.status_code == 302 and page["Location"].startswith("/staff/login/")
    assert not pending.approvals.exists()
