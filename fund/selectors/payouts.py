"""Reading payouts and claims for the review queue, the history and a member's own claims."""

from __future__ import annotations

from django.db.models import QuerySet

from common.exceptions import NotFound
from fund.models import Claim, Payout

HISTORY = (Payout.Status.BOOKED, Payout.Status.REJECTED)


def _payouts() -> QuerySet[Payout]:
    return Payout.objects.select_related(
        "fund__asset", "recipient_account", "entry", "safe_tx"
    ).prefetch_related("approvals__user")


def payouts_open() -> QuerySet[Payout]:
    """What reviewers must act on, oldest first: pending, waiting to be booked, paused."""
    return _payouts().filter(status__in=Payout.OPEN).order_by("created_at", "id")


def payouts_history(*, limit: int = 50) -> QuerySet[Payout]:
    return _payouts().filter(status__in=HISTORY).order_by("-created_at", "-id")[:limit]


def payout_get(pk: int) -> Payout:
    payout = _payouts().filter(pk=pk).first()
    if payout is None:
        raise NotFound(f"no payout #{pk}")
    return payout


def claims_to_review() -> QuerySet[Claim]:
    """Submitted claims in loss-time order (the order they will be paid in)."""
    return (
        Claim.objects.filter(status=Claim.Status.SUBMITTED)
        .select_related("fund__asset")
        .order_by("loss_time", "id")
    )


def claims_of_member(address: str) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(member_address=address)
        .select_related("fund__asset", "payout")
        .order_by("-created_at", "-id")
    )


def claim_get(pk: int) -> Claim:
    claim = Claim.objects.filter(pk=pk).select_related("fund__asset").first()
    if claim is None:
        raise NotFound(f"no claim #{pk}")
    return claim
