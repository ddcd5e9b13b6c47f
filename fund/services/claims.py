"""Compensation claims: a member submits, a reviewer decides, an approved claim becomes a payout.

Claims are paid first-in first-out by the time of the loss (seed 002); the order is enforced
when payouts are booked (``fund.services.payouts``), not here, so an approval order that
differs from the loss order can never let a later loss be paid first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.exceptions import Conflict, Invalid
from fund.models import Claim, Fund, Payout
from fund.services.payouts import (
    checksummed,
    fund_resolve,
    outflow_audit,
    payout_create,
    positive_amount,
    reviewer_check,
)

EVIDENCE_MAX = 10_000


def claim_submit(
    *, member_address: str, fund: Fund | str, amount: Any, loss_time: datetime, evidence: str
) -> Claim:
    """Record a member's claim for a loss that already happened, with evidence for reviewers."""
    member_address = checksummed(member_address, path="member_address")
    fund = fund_resolve(fund)
    amount = positive_amount(amount)
    if loss_time is None or loss_time.tzinfo is None:
        raise Invalid.field("loss_time", "must be a timezone-aware time")
    if loss_time > timezone.now():
        raise Invalid.field("loss_time", "must not be in the future")
    evidence = (evidence or "").strip()
    if not evidence:
        raise Invalid.field("evidence", "describe the loss (order ids, transactions, times)")
    if len(evidence) > EVIDENCE_MAX:
        raise Invalid.field("evidence", f"at most {EVIDENCE_MAX} characters")
    with transaction.atomic():
        claim = Claim.objects.create(
            fund=fund,
            member_address=member_address,
            amount=amount,
            loss_time=loss_time,
            evidence=evidence,
        )
        outflow_audit(
            claim,
            actor=member_address,
            action="submitted",
            fund=fund.name,
            loss_time=loss_time.isoformat(),
        )
    return claim


def claim_review(
    *, claim: Claim, user, approve: bool, note: str = "", recipient_account: str = ""
) -> Claim:
    """Approve (creating the claim's payout, which still needs its own approvals) or reject.

    The payout pays the member's address on the asset's chain, or ``recipient_account`` (the
    member's venue account) when given. The reviewer becomes the payout's creator, so the
    reviewer can never also approve the payment: every paid claim had four eyes at least.
    """
    reviewer_check(user)
    if not approve and not note.strip():
        raise Invalid.field("note", "say why the claim is rejected")
    actor = user.get_username()
    with transaction.atomic(durable=True):
        claim = (
            Claim.objects.select_for_update(of=("self",)).select_related("fund").get(pk=claim.pk)
        )
        decided = Claim.Status.APPROVED if approve else Claim.Status.REJECTED
        if claim.status == decided:
            return claim
        if claim.status != Claim.Status.SUBMITTED:
            raise Conflict(f"claim #{claim.pk} was already {claim.status}")
        if approve:
            claim.payout = payout_create(
                fund=claim.fund,
                kind=Payout.Kind.CLAIM,
                amount=claim.amount,
                reason=f"claim #{claim.pk} by {claim.member_address}",
                idempotency_key=f"claim:{claim.pk}",
                actor=actor,
                created_by_user=user,
                recipient_account=recipient_account,
                recipient_address="" if recipient_account else claim.member_address,
                loss_time=claim.loss_time,
                data={"claim": claim.pk},
            )
        claim.status, claim.review_note = decided, note.strip()[:500]
        claim.reviewed_by, claim.reviewed_at = user, timezone.now()
        claim.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at", "payout"])
        outflow_audit(
            claim, actor=actor, action=decided, note=claim.review_note, payout=claim.payout_id
        )
    return claim
