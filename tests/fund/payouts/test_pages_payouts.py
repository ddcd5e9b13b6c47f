"""The staff payout queue (verified TOTP + role) with htmx actions, and the member claim form."""

import pytest
from django.test import Client

from fund.models import Claim, Payout
from tests.fund.payouts.conftest import ALICE_ADDRESS

QUEUE = "/fund/staff/payouts/"


@pytest.fixture
def pending(funded, transfer, reviewer, fund_params):
    fund_params(payout_review_threshold=10**12)
    return transfer(reviewer(), 1_250_000)


def test_queue_needs_verified_totp_and_the_role(pending, signed_in, staff_factory):
    assert Client().get(QUEUE)["Location"].startswith("/staff/login/")
    password_only = Client()
    password_only.force_login(staff_factory("payout_reviewer")[0])
    assert password_only.get(QUEUE)["Location"].startswith("/staff/login/")
    _, auditor = signed_in("auditor")
    assert auditor.get(QUEUE).status_code == 403
    _, reviewer_client = signed_in("payout_reviewer")
    page = reviewer_client.get(QUEUE)
    assert page.status_code == 200 and b"1.25 USDC" in page.content


def test_htmx_approve_books_and_returns_the_row(pending, signed_in):
    _, client = signed_in("payout_reviewer")
    response = client.post(f"{QUEUE}{pending.pk}/approve/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert (
        f'id="payout-{pending.pk}"'.encode() in response.content and b"booked" in response.content
    )
    pending.refresh_from_db()
    assert pending.status == Payout.Status.BOOKED


def test_creator_sees_the_refusal_in_the_row(funded, signed_in, transfer):
    creator, client = signed_in("payout_reviewer")
    payout = transfer(creator, 1_000)
    assert b"You created it" in client.get(QUEUE).content
    response = client.post(f"{QUEUE}{payout.pk}/approve/", HTTP_HX_REQUEST="true")
    assert b"created this payout" in response.content and b'role="alert"' in response.content
    assert not payout.approvals.exists()


def test_reject_without_htmx_redirects_back(pending, signed_in):
    _, client = signed_in("payout_reviewer")
    response = client.post(f"{QUEUE}{pending.pk}/reject/", {"reason": "duplicate"})
    assert response.status_code == 302 and response["Location"] == QUEUE
    pending.refresh_from_db()
    assert pending.status == Payout.Status.REJECTED


def test_approve_needs_csrf(pending, signed_in):
    user, _ = signed_in("payout_reviewer")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(f"{QUEUE}{pending.pk}/approve/").status_code == 403


def test_claim_form_needs_a_wallet_session(main_fund):
    response = Client().get("/fund/claims/")
    assert response.status_code == 302 and response["Location"].startswith("/governance/signin/")


def test_member_submits_a_claim_in_whole_units(funded, member_client):
    client = member_client
    form = {
        "fund": "main",
        "amount": "12.5",
        "loss_time": "2025-10-10T21:15",
        "evidence": "order 7",
    }
    response = client.post("/fund/claims/", form)
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.member_address, claim.amount) == (ALICE_ADDRESS, 12_500_000)
    assert b"12.50 USDC" in client.get("/fund/claims/").content


def test_claim_amount_finer_than_the_asset_is_refused(funded, member_client):
    form = {"fund": "main", "amount": "0.0000001", "loss_time": "2025-10-10T21:15", "evidence": "x"}
    response = member_client.post("/fund/claims/", form)
    assert response.status_code == 200 and b"6 decimals" in response.content
    assert not Claim.objects.exists()


def test_claim_review_from_the_queue(funded, signed_in, main_fund):
    from fund.services.claims import claim_submit
    from tests.fund.payouts.conftest import LOSS

    claim = claim_submit(
        member_address=ALICE_ADDRESS, fund=main_fund, amount=7_000_000, loss_time=LOSS, evidence="x"
    )
    _, client = signed_in("payout_reviewer")
    assert f'id="claim-{claim.pk}"'.encode() in client.get(QUEUE).content
    response = client.post(
        f"/fund/staff/claims/{claim.pk}/review/",
        {"decision": "approve", "recipient_account": "alice"},
        HTTP_HX_REQUEST="true",
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert f"payout #{claim.payout_id}".encode() in response.content
    rejected = client.post(
        f"/fund/staff/claims/{claim.pk}/review/", {"decision": "reject"}, HTTP_HX_REQUEST="true"
    )
    assert b'role="alert"' in rejected.content  # a note is required, and it was approved
