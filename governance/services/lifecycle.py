"""The proposal state machine (OpenZeppelin Governor's states), driven by an explicit clock.

Pending → Active → Defeated | Succeeded → Queued → Executed | Expired; Canceled by the
proposer while pending or by the guardian Safe until execution. Every service takes ``now``
so tests (and the beat task) decide what time it is; every transition is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from common.exceptions import Forbidden, Invalid, NotFound
from common.services.audit import audit_log_write
from governance import chain
from governance.conf import governance_config
from governance.eip712 import Domain, cancel_digest, signature_bytes
from governance.models import FINAL_STATES, Proposal, ProposalState
from governance.registry import param_lookup
from governance.selectors.proposals import scope_value
from governance.selectors.tally import tally_get
from governance.services.params import param_value_set

S = ProposalState


def _transition(proposal: Proposal, state: str, *, actor: str, **details) -> None:
    before = proposal.state
    proposal.state = state
    audit_log_write(
        actor=actor,
        action=f"backstop.governance.proposal.{state}",
        object_type="proposal",
        object_id=proposal.proposal_id,
        before={"state": before},
        after={"state": state, **details},
    )


def _locked(proposal_pk: int) -> Proposal:
    try:
        return Proposal.objects.select_for_update().get(pk=proposal_pk)
    except Proposal.DoesNotExist:
        raise NotFound(f"no proposal {proposal_pk}") from None


def _next_state(proposal: Proposal, now: datetime) -> tuple[str, dict] | None:
    if proposal.state == S.PENDING and now >= proposal.vote_start:
        return S.ACTIVE, {}
    if proposal.state == S.ACTIVE and now >= proposal.vote_end:
        tally = tally_get(proposal)
        reached, passed = tally.outcome(quorum=proposal.quorum, threshold=proposal.vote_threshold)
        return (S.SUCCEEDED if passed else S.DEFEATED), {
            "tally": tally.as_json(),
            "quorum_reached": reached,
        }
    if proposal.state == S.SUCCEEDED:
        proposal.eta = proposal.vote_end + timedelta(seconds=proposal.timelock_delay)
        return S.QUEUED, {"eta": proposal.eta.isoformat()}
    if proposal.state == S.QUEUED and now >= grace_end(proposal):
        return S.EXPIRED, {}
    return None


def grace_end(proposal: Proposal) -> datetime:
    return proposal.eta + timedelta(seconds=proposal.grace_period)


def proposal_advance(*, proposal_pk: int, now: datetime) -> str:
    """Move a proposal through every transition that ``now`` allows; return its state."""
    with transaction.atomic():
        proposal = _locked(proposal_pk)
        while (step := _next_state(proposal, now)) is not None:
            _transition(proposal, step[0], actor="governance", at=now.isoformat(), **step[1])
        proposal.save()
        return proposal.state


def proposal_execute(*, proposal_pk: int, now: datetime) -> bool:
    """Write the proposal's parameter versions once it is queued and its timelock passed.

    Idempotent by proposal: the row lock and the state check make a second call (another
    worker, a retried task) a no-op. Each change is validated again against the bounds and
    the max step from the value in force now; a change that no longer fits leaves the
    proposal queued with the reason (it expires when the grace period ends).
    """
    with transaction.atomic():
        proposal = _locked(proposal_pk)
        if proposal.state != S.QUEUED or not (proposal.eta <= now < grace_end(proposal)):
            return False
        source = f"proposal:{proposal.pk}"
        try:
            with transaction.atomic():
                for index, change in enumerate(proposal.changes):
                    param = param_lookup(change["name"])
                    new = param.parse(change["value"], path=f"changes.{index}.value")
                    old = scope_value(param.name, change["scope"], now)
                    param.check_step(old, new, path=f"changes.{index}.value")
                    param_value_set(
                        name=param.name,
                        scope=change["scope"],
                        value=change["value"],
                        source=source,
                        actor=source,
                        effective_at=now,
                    )
        except Invalid as exc:
            proposal.last_error = exc.message
            proposal.save(update_fields=["last_error"])
            audit_log_write(
                actor="governance",
                action="backstop.governance.proposal.execution_refused",
                object_type="proposal",
                object_id=proposal.proposal_id,
                after={"reason": exc.message},
            )
            return False
        proposal.executed_at = now
        proposal.last_error = ""
        _transition(proposal, S.EXECUTED, actor="governance", at=now.isoformat())
        proposal.save()
        return True


def proposals_tick(*, now: datetime) -> dict[str, int]:
    """What the beat task runs: advance every open proposal and execute those that are due."""
    summary = {"advanced": 0, "executed": 0}
    open_pks = (
        Proposal.objects.exclude(state__in=FINAL_STATES)
        .order_by("created_at", "id")  # older proposals execute first
        .values_list("pk", "state")
    )
    for pk, state in list(open_pks):
        if proposal_advance(proposal_pk=pk, now=now) != state:
            summary["advanced"] += 1
        if proposal_execute(proposal_pk=pk, now=now):
            summary["executed"] += 1
    return summary


def proposal_cancel_by_proposer(*, proposal_pk: int, proposer: str, now: datetime) -> Proposal:
    """The proposer may withdraw a proposal until voting starts."""
    with transaction.atomic():
        proposal = _locked(proposal_pk)
        if proposal.proposer != proposer:
            raise Forbidden("only the proposer (or the guardian) can cancel this proposal")
        if proposal.state != S.PENDING or now >= proposal.vote_start:
            raise Invalid.field("proposal", "voting has started; only the guardian can cancel")
        proposal.canceled_at, proposal.canceled_by = now, proposer
        _transition(proposal, S.CANCELED, actor=proposer, at=now.isoformat())
        proposal.save()
        return proposal


def proposal_cancel_by_guardian(*, proposal_pk: int, signature: str, now: datetime) -> Proposal:
    """The guardian Safe stops a proposal until it executes, by an EIP-1271 signature.

    The Safe's owners sign the EIP-712 ``Cancel(proposalId)`` message; the Safe's
    ``isValidSignature`` is asked on chain (before the transaction opens).
    """
    config = governance_config()
    if not config.guardian:
        raise Forbidden("no guardian is configured (GOVERNANCE_GUARDIAN)")
    proposal = Proposal.objects.filter(pk=proposal_pk).first()
    if proposal is None:
        raise NotFound(f"no proposal {proposal_pk}")
    domain = Domain(config.chain_id, config.address)
    digest = cancel_digest(domain.separator(), proposal_id=proposal.proposal_id)
    if not chain.eip1271_valid(config.guardian, digest, signature_bytes(signature)):
        raise Invalid.field("signature", f"the guardian Safe {config.guardian} did not accept it")
    with transaction.atomic():
        proposal = _locked(proposal_pk)
        if proposal.state in FINAL_STATES:
            raise Invalid.field(
                "proposal", f"a proposal in state {proposal.state} cannot be canceled"
            )
        proposal.canceled_at, proposal.canceled_by = now, config.guardian
        proposal.cancel_signature = signature
        _transition(proposal, S.CANCELED, actor=config.guardian, at=now.isoformat(), guardian=True)
        proposal.save()
        return proposal
