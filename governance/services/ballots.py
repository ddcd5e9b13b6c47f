"""Casting EIP-712 ballots and recording signed delegations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from common.exceptions import Invalid, NotFound
from common.services.audit import audit_log_write
from governance.conf import governance_config
from governance.eip712 import Domain, address_check, ballot_digest, delegation_digest
from governance.models import Ballot, Delegation, Member, PowerSnapshot, Proposal, ProposalState
from governance.selectors.power import HolderPower, delegates_at, holder_power
from governance.selectors.tally import tally_get, voting_power
from governance.signatures import signature_check

MAX_REASON = 2000


def domain_current(chain_id: int | None = None) -> Domain:
    """This deployment's EIP-712 domain; a ballot for another chain id is refused by name."""
    config = governance_config()
    if chain_id is not None and chain_id != config.chain_id:
        raise Invalid.field("chain_id", f"signed for chain {chain_id}, expected {config.chain_id}")
    return Domain(config.chain_id, config.address)


def window_check(proposal: Proposal, now: datetime) -> None:
    if proposal.state not in (ProposalState.PENDING, ProposalState.ACTIVE):
        raise Invalid.field("proposal", f"voting is closed (the proposal is {proposal.state})")
    if now < proposal.vote_start:
        raise Invalid.field("proposal", f"voting opens at {proposal.vote_start.isoformat()}")
    if now >= proposal.vote_end:
        raise Invalid.field("proposal", f"voting closed at {proposal.vote_end.isoformat()}")


def _nonce_use(address: str, nonce: int, now: datetime) -> None:
    member, _ = Member.objects.select_for_update().get_or_create(
        address=address, defaults={"first_seen_at": now}
    )
    if nonce != member.nonce:
        raise Invalid.field("nonce", f"expected nonce {member.nonce} for {address}")
    member.nonce += 1
    member.save(update_fields=["nonce"])


def _own_power(proposal: Proposal, voter: str) -> HolderPower | None:
    """A voter the snapshot did not list (no member yet then), read from historical sources.

    May call the chain, so it runs before the ballot's transaction opens.
    """
    if PowerSnapshot.objects.filter(proposal=proposal, address=voter).exists():
        return None
    own = holder_power(
        address=voter,
        at=proposal.snapshot_at,
        block=proposal.snapshot_block,
        delegates=delegates_at(proposal.snapshot_at),
    )
    return own if own.power > 0 else None


def ballot_cast(
    *,
    proposal_id: str,
    voter: str,
    support: int,
    reason: str,
    nonce: int,
    chain_id: int,
    signature: str,
    now: datetime,
) -> Ballot:
    """Verify and record one ballot; any failure records nothing.

    Checks: the proposal and its window, the chain id, the signature (ECDSA or EIP-1271),
    the voter's nonce, one ballot per voter, and non-zero power at the snapshot. When this
    ballot first brings quorum and the vote ends sooner than the late-quorum extension,
    voting is extended (OpenZeppelin's GovernorPreventLateQuorum).
    """
    voter = address_check(voter, path="voter")
    proposal = Proposal.objects.filter(proposal_id=proposal_id).first()
    if proposal is None:
        raise NotFound(f"no proposal {proposal_id}")
    if support not in (0, 1, 2):
        raise Invalid.field("support", "must be 0 (against), 1 (for) or 2 (abstain)")
    if len(reason) > MAX_REASON:
        raise Invalid.field("reason", f"at most {MAX_REASON} characters")
    domain = domain_current(chain_id)
    window_check(proposal, now)
    digest = ballot_digest(
        domain.separator(), proposal_id=proposal_id, support=support, reason=reason, nonce=nonce
    )
    via = signature_check(signer=voter, digest=digest, signature=signature)
    own = _own_power(proposal, voter)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        window_check(proposal, now)
        if own is not None:
            PowerSnapshot.objects.get_or_create(
                proposal=proposal,
                address=voter,
                defaults={
                    "staked": own.staked,
                    "token": own.token,
                    "power": own.power,
                    "delegate": own.delegate,
                },
            )
        if Ballot.objects.filter(proposal=proposal, voter=voter).exists():
            raise Invalid.field("voter", f"{voter} has already voted on this proposal")
        weight = voting_power(proposal=proposal, address=voter)
        if weight <= 0:
            raise Invalid.field("voter", f"{voter} had no voting power at the snapshot")
        _nonce_use(voter, nonce, now)
        ballot = Ballot.objects.create(
            proposal=proposal,
            voter=voter,
            support=support,
            reason=reason,
            nonce=nonce,
            signature=signature,
            via=via,
            weight=weight,
            cast_at=now,
        )
        _late_quorum(proposal, now)
    return ballot


def _late_quorum(proposal: Proposal, now: datetime) -> None:
    if proposal.quorum_reached_at or tally_get(proposal).quorum_votes < proposal.quorum:
        return
    proposal.quorum_reached_at = now
    extended_end = now + timedelta(seconds=proposal.late_quorum_extension)
    if extended_end > proposal.vote_end:
        audit_log_write(
            actor="governance",
            action="backstop.governance.proposal.extended",
            object_type="proposal",
            object_id=proposal.proposal_id,
            before={"vote_end": proposal.vote_end.isoformat()},
            after={"vote_end": extended_end.isoformat()},
        )
        proposal.vote_end, proposal.extended = extended_end, True
    proposal.save(update_fields=["quorum_reached_at", "vote_end", "extended"])


def delegation_record(
    *,
    delegator: str,
    delegatee: str,
    nonce: int,
    expiry: int,
    chain_id: int,
    signature: str,
    now: datetime,
) -> Delegation:
    """Record a signed delegation; it counts for proposals whose snapshot comes after it."""
    delegator = address_check(delegator, path="delegator")
    delegatee = address_check(delegatee, path="delegatee")
    if expiry <= int(now.timestamp()):
        raise Invalid.field("expiry", "the signed delegation has expired")
    domain = domain_current(chain_id)
    digest = delegation_digest(domain.separator(), delegatee=delegatee, nonce=nonce, expiry=expiry)
    via = signature_check(signer=delegator, digest=digest, signature=signature)
    with transaction.atomic():
        _nonce_use(delegator, nonce, now)
        delegation = Delegation.objects.create(
            delegator=delegator,
            delegatee=delegatee,
            nonce=nonce,
            expiry=expiry,
            signature=signature,
            via=via,
            created_at=now,
        )
        audit_log_write(
            actor=delegator,
            action="backstop.governance.delegated",
            object_type="member",
            object_id=delegator,
            after={"delegatee": delegatee, "nonce": nonce},
        )
    return delegation
