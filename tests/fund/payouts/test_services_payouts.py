"""Payout rules: who may approve, the threshold, the reserve floor, custody pause, audit."""

import pytest

from common.exceptions import Conflict, Forbidden, Invalid, NotFound
from common.models import AuditEntry
from fund.models import Entry, LedgerAccount, Payout, PayoutApproval
from fund.selectors.ledger import account_balance, fund_balance
from fund.services.payouts import (
    payout_approve,
    payout_book_retry,
    payout_create,
    payout_create_for_review,
    payout_reject,
)
from tests.fund.payouts.conftest import ALICE_ADDRESS, FUNDED, LOSS


def test_one_approval_at_or_below_threshold_books(funded, reviewer, transfer, fund_params):
    fund_params(payout_review_threshold=5_000_000)
    creator, approver = reviewer(), reviewer()
    payout = transfer(creator, 5_000_000)
    assert payout.approvals_required == 1
    payout = payout_approve(payout=payout, user=approver)
    assert payout.status == Payout.Status.BOOKED
    assert account_balance(funded.alice) == 5_000_000
    assert fund_balance(payout.fund) == FUNDED - 5_000_000
    postings = sorted((p.account.kind, p.amount) for p in payout.entry.postings.all())
    assert postings == [("fund", -5_000_000), ("trader_balance", 5_000_000)]


def test_above_threshold_needs_two_different_people(funded, reviewer, transfer, fund_params):
    fund_params(payout_review_threshold=5_000_000)
    creator, first, second = reviewer(), reviewer(), reviewer()
    payout = transfer(creator, 5_000_001)
    assert payout.approvals_required == 2
    assert payout_approve(payout=payout, user=first).status == Payout.Status.PENDING
    # The same person approving again is not a second approval.
    assert payout_approve(payout=payout, user=first).status == Payout.Status.PENDING
    assert PayoutApproval.objects.filter(payout=payout).count() == 1
    assert Entry.objects.filter(kind="payout").count() == 0
    assert payout_approve(payout=payout, user=second).status == Payout.Status.BOOKED
    assert account_balance(funded.alice) == 5_000_001


def test_creator_cannot_approve_own_payout(funded, reviewer, transfer):
    creator = reviewer()
    payout = transfer(creator, 1_000)
    with pytest.raises(Forbidden, match="created this payout"):
        payout_approve(payout=payout, user=creator)
    assert not PayoutApproval.objects.exists()


def test_member_and_unqualified_staff_cannot_approve(
    funded, reviewer, transfer, staff_factory, django_user_model
):
    payout = transfer(reviewer(), 1_000)
    member = django_user_model.objects.create_user(username="member", password="x" * 12)
    member.is_verified = lambda: True
    without_role = reviewer("auditor")
    unverified, _ = staff_factory("payout_reviewer")  # password only: no second factor
    for user, reason in [
        (member, "verified second factor"),
        (without_role, "payout_reviewer"),
        (unverified, "verified second factor"),
    ]:
        with pytest.raises(Forbidden, match=reason):
            payout_approve(payout=payout, user=user)
    assert not PayoutApproval.objects.exists()
    assert Payout.objects.get().status == Payout.Status.PENDING


def test_reserve_floor_is_never_crossed(funded, reviewer, transfer, fund_params):
    fund_params(payout_review_threshold=10**12, reserve_floor=FUNDED - 1_000)
    payout = payout_approve(payout=transfer(reviewer(), 1_001), user=reviewer())
    assert payout.status == Payout.Status.APPROVED
    assert "below its reserve floor" in payout.note
    assert payout.entry is None and fund_balance(payout.fund) == FUNDED
    fund_params(reserve_floor=0)
    retried = payout_book_retry(payout=payout, user=reviewer())
    assert retried.status == Payout.Status.BOOKED and retried.note == ""


def test_paused_while_custody_says_reserves_are_short(
    funded, reviewer, transfer, fund_params, monkeypatch
):
    fund_params(payout_review_threshold=10**12)
    verdict = {"short": True}
    monkeypatch.setattr("custody.selectors.payouts_paused", lambda fund: verdict["short"])
    payout = payout_approve(payout=transfer(reviewer(), 1_000), user=reviewer())
    assert payout.status == Payout.Status.PAUSED
    assert "reserves do not cover" in payout.note
    assert fund_balance(payout.fund) == FUNDED
    verdict["short"] = False
    assert payout_book_retry(payout=payout, user=reviewer()).status == Payout.Status.BOOKED


def test_every_step_lands_in_the_audit_log(funded, reviewer, transfer, fund_params):
    fund_params(payout_review_threshold=10)
    payout = transfer(reviewer(), 1_000)
    first, second = reviewer(), reviewer()
    payout_approve(payout=payout, user=first)
    payout_approve(payout=payout, user=second)
    rows = AuditEntry.objects.filter(object_type="payout", object_id=str(payout.pk))
    assert [(r.action, r.actor) for r in rows.order_by("seq")] == [
        ("backstop.fund.payout.created", payout.created_by),
        ("backstop.fund.payout.approved", first.username),
        ("backstop.fund.payout.approved", second.username),
        ("backstop.fund.payout.booked", second.username),
    ]


def test_rejected_payout_cannot_be_approved_or_booked(funded, reviewer, transfer):
    payout = transfer(reviewer(), 1_000)
    payout = payout_reject(payout=payout, user=reviewer(), reason="duplicate request")
    assert payout.status == Payout.Status.REJECTED
    assert payout_approve(payout=payout, user=reviewer()).status == Payout.Status.REJECTED
    assert not PayoutApproval.objects.exists() and not Entry.objects.filter(kind="payout")
    with pytest.raises(Invalid, match="reason"):
        payout_reject(payout=payout, user=reviewer(), reason=" ")


def test_booked_payout_cannot_be_rejected_or_booked_twice(funded, reviewer, transfer, fund_params):
    fund_params(payout_review_threshold=10**12)
    payout = payout_approve(payout=transfer(reviewer(), 1_000), user=reviewer())
    with pytest.raises(Conflict, match="already booked"):
        payout_reject(payout=payout, user=reviewer(), reason="too late")
    with pytest.raises(Conflict, match="only approved or paused"):
        payout_book_retry(payout=payout, user=reviewer())
    assert Entry.objects.filter(kind="payout").count() == 1


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"amount": 0}, Invalid, "amount"),
        ({"amount": -5}, Invalid, "amount"),
        ({"amount": "1.5"}, Invalid, "amount"),
        ({"fund": "nope"}, NotFound, "fund"),
        ({"recipient_address": ALICE_ADDRESS.lower(), "chain_id": 1}, Invalid, "recipient_address"),
        (
            {"recipient_address": ALICE_ADDRESS[:-1] + "c", "chain_id": 1},
            Invalid,
            "recipient_address",
        ),
        ({"recipient_address": "0x1234", "chain_id": 1}, Invalid, "recipient_address"),
        ({"recipient_address": ALICE_ADDRESS}, Invalid, "chain_id"),
        ({"recipient_account": ""}, Invalid, "recipient"),
        ({"kind": "gift"}, Invalid, "kind"),
        ({"reason": ""}, Invalid, "reason"),
    ],
)
def test_bad_input_is_refused_precisely(funded, main_fund, reviewer, changes, error, field):
    args = {
        "fund": main_fund,
        "kind": "transfer_out",
        "amount": 1_000,
        "reason": "refund",
        "idempotency_key": "k1",
        "actor": "test",
        "recipient_account": "alice",
    }
    if "recipient_address" in changes:
        args["recipient_account"] = ""
    args.update(changes)
    with pytest.raises(error) as caught:
        payout_create(**args)
    assert field in caught.value.fields
    assert not Payout.objects.exists() and not Entry.objects.filter(kind="payout").exists()


def test_retried_create_returns_the_same_payout_and_other_content_conflicts(funded, main_fund):
    args = {
        "fund": main_fund,
        "kind": "transfer_out",
        "amount": 1_000,
        "reason": "refund",
        "idempotency_key": "same",
        "actor": "test",
        "recipient_account": "alice",
    }
    first = payout_create(**args)
    assert payout_create(**args).pk == first.pk
    with pytest.raises(Conflict, match="amount"):
        payout_create(**{**args, "amount": 2_000})
    assert Payout.objects.count() == 1


def test_review_payout_from_clearing_covers_the_market_deficit(funded, main_fund, reviewer):
    args = {
        "fund": "main",
        "amount": 7_000,
        "market": "BTC-USDC",
        "liquidation_ref": "liq-42",
        "event_time": LOSS,
    }
    payout = payout_create_for_review(**args)
    assert payout_create_for_review(**args).pk == payout.pk
    assert payout.created_by == "system:clearing" and payout.created_by_user is None
    assert payout.approvals_required == 2  # default threshold 0: every payout has four eyes
    payout_approve(payout=payout, user=reviewer())
    payout = payout_approve(payout=payout, user=reviewer())
    deficit = LedgerAccount.objects.get(kind="uncovered_deficit", key="BTC-USDC")
    assert payout.status == Payout.Status.BOOKED and account_balance(deficit) == 7_000


def test_outside_address_is_booked_to_payouts_payable(funded, main_fund, reviewer, transfer):
    payout = transfer(
        reviewer(), 3_000, recipient_account="", recipient_address=ALICE_ADDRESS, chain_id=31337
    )
    payout_approve(payout=payout, user=reviewer())
    payout_approve(payout=payout, user=reviewer())
    payable = LedgerAccount.objects.get(kind="payouts_payable", key="main")
    assert account_balance(payable) == 3_000
