"""Claims: submission checks, review into a payout, and payment strictly by loss time (FIFO)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.exceptions import Conflict, Forbidden, Invalid
from common.models import AuditEntry
from fund.models import Claim, Payout
from fund.services.claims import claim_review, claim_submit
from fund.services.payouts import payout_approve, payout_reject
from tests.fund.payouts.conftest import ALICE_ADDRESS, LOSS


@pytest.fixture
def submit(main_fund):
    def make(amount=1_000, loss_time=LOSS, **kw):
        return claim_submit(
            member_address=kw.pop("member_address", ALICE_ADDRESS),
            fund=kw.pop("fund", main_fund),
            amount=amount,
            loss_time=loss_time,
            evidence=kw.pop("evidence", "order 123 filled at a stale mark"),
        )

    return make


def test_submit_records_the_claim_and_audits(funded, submit):
    claim = submit()
    assert claim.status == Claim.Status.SUBMITTED
    row = AuditEntry.objects.get(object_type="claim", object_id=str(claim.pk))
    assert (row.action, row.actor) == ("backstop.fund.claim.submitted", ALICE_ADDRESS)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -1}, "amount"),
        ({"member_address": ALICE_ADDRESS.lower()}, "member_address"),
        ({"evidence": "  "}, "evidence"),
        ({"loss_time": timezone.now() + timedelta(days=1)}, "loss_time"),
        ({"fund": "nope"}, "fund"),
    ],
)
def test_bad_claims_are_refused(funded, submit, changes, field):
    with pytest.raises(Exception) as caught:
        submit(**changes)
    assert field in caught.value.fields
    assert not Claim.objects.exists()


def test_review_creates_a_payout_the_reviewer_cannot_approve(funded, submit, reviewer):
    officer = reviewer()
    claim = claim_review(claim=submit(), user=officer, approve=True, recipient_account="alice")
    assert claim.status == Claim.Status.APPROVED and claim.payout.kind == Payout.Kind.CLAIM
    assert claim.payout.loss_time == LOSS
    with pytest.raises(Forbidden):
        payout_approve(payout=claim.payout, user=officer)
    # Reviewing again is idempotent; the opposite decision is refused.
    assert claim_review(claim=claim, user=reviewer(), approve=True).payout_id == claim.payout_id
    with pytest.raises(Conflict):
        claim_review(claim=claim, user=reviewer(), approve=False, note="changed my mind")


def test_review_needs_a_reviewer_and_a_reason_to_reject(funded, submit, reviewer):
    claim = submit()
    with pytest.raises(Forbidden):
        claim_review(claim=claim, user=reviewer("auditor"), approve=True)
    with pytest.raises(Invalid, match="note"):
        claim_review(claim=claim, user=reviewer(), approve=False)
    claim = claim_review(claim=claim, user=reviewer(), approve=False, note="no such order")
    assert claim.status == Claim.Status.REJECTED and claim.payout is None


def test_claim_to_an_address_needs_a_chain(funded, submit, reviewer):
    with pytest.raises(Invalid, match="chain"):
        claim_review(claim=submit(), user=reviewer(), approve=True)
    assert not Payout.objects.exists()


@pytest.fixture
def two_claims(funded, submit, reviewer, fund_params):
    """Two approved claims (one approval each books), the second lost an hour later."""
    fund_params(payout_review_threshold=10**12)
    officer = reviewer()
    return [
        claim_review(
            claim=submit(loss_time=LOSS + timedelta(hours=hours)),
            user=officer,
            approve=True,
            recipient_account=name,
        )
        for hours, name in [(0, "a"), (1, "b")]
    ]


def test_claims_are_paid_in_loss_time_order(two_claims, reviewer):
    early, late = two_claims
    waiting = payout_approve(payout=late.payout, user=reviewer())
    assert waiting.status == Payout.Status.APPROVED
    assert f"claim payout #{early.payout_id}" in waiting.note and waiting.entry is None
    paid = payout_approve(payout=early.payout, user=reviewer())
    late.payout.refresh_from_db()
    assert paid.status == late.payout.status == Payout.Status.BOOKED
    assert paid.entry.seq < late.payout.entry.seq


def test_rejecting_the_earlier_claim_releases_the_later_one(two_claims, reviewer):
    early, late = two_claims
    payout_approve(payout=late.payout, user=reviewer())
    payout_reject(payout=early.payout, user=reviewer(), reason="evidence does not hold")
    late.payout.refresh_from_db()
    assert late.payout.status == Payout.Status.BOOKED
