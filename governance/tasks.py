"""Thin Celery tasks of governance: each loads by id and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from common.tasks import MoneyTask
from governance.models import Proposal
from governance.services.impact import impact_preview_compute
from governance.services.lifecycle import proposals_tick
from governance.services.signin import signin_nonces_purge


@shared_task(base=MoneyTask, name="governance.advance_proposals")
def advance_proposals_task() -> dict:
    """Beat: move proposals through their states and execute those past their timelock."""
    return proposals_tick(now=timezone.now())


@shared_task(name="governance.compute_impact", time_limit=900, soft_time_limit=840)
def compute_impact_task(proposal_pk: int) -> list[str]:
    """Four replays (two scenarios, current and proposed); see RECENT_MAX_LINES."""
    proposal = Proposal.objects.filter(pk=proposal_pk).first()
    if proposal is None:
        return []
    return list(impact_preview_compute(proposal=proposal)["scenarios"])


@shared_task(name="governance.purge_signin_nonces")
def purge_signin_nonces_task() -> int:
    return signin_nonces_purge(now=timezone.now())
