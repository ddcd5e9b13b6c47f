"""Proposing: validated parameter changes, governance settings frozen, power snapshotted."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from common.exceptions import Conflict, Forbidden, Invalid
from common.services.audit import audit_log_write
from governance import chain
from governance.conf import governance_config
from governance.content import description_hash, proposal_id_compute
from governance.models import PowerSnapshot, Proposal
from governance.registry import param_lookup, scope_level
from governance.selectors.params import param_get
from governance.selectors.power import delegates_at, holder_power, power_candidates
from governance.selectors.proposals import scope_value

MAX_CHANGES = 10
PROPOSALS_PER_DAY = 3  # per proposer; keeps the list readable and spam expensive


def change_check(change: dict, *, index: int, at: datetime) -> dict:
    """Validate one change against the registry; return its canonical form (value as text)."""
    path = f"changes.{index}"
    if not isinstance(change, dict):
        raise Invalid.field(path, "must be an object with name, scope and value")
    param = param_lookup(str(change.get("name", "")), path=f"{path}.name")
    scope = str(change.get("scope") or "global")
    level = scope_level(scope, path=f"{path}.scope")
    if level not in param.scopes:
        raise Invalid.field(
            f"{path}.scope",
            f"{param.name} cannot be set at {level} scope (allowed: {', '.join(param.scopes)})",
        )
    new = param.parse(change.get("value"), path=f"{path}.value")
    old = scope_value(param.name, scope, at)
    if new == old:
        raise Invalid.field(f"{path}.value", f"{param.name} is already {param.serialize(old)}")
    param.check_step(old, new, path=f"{path}.value")
    return {"name": param.name, "scope": scope, "value": param.serialize(new)}


def changes_check(changes: list, *, at: datetime) -> list[dict]:
    if not isinstance(changes, list) or not changes:
        raise Invalid.field("changes", "a proposal needs at least one parameter change")
    if len(changes) > MAX_CHANGES:
        raise Invalid.field("changes", f"at most {MAX_CHANGES} changes per proposal")
    checked = [change_check(change, index=i, at=at) for i, change in enumerate(changes)]
    seen = set()
    for i, change in enumerate(checked):
        key = (change["name"], change["scope"])
        if key in seen:
            raise Invalid.field(f"changes.{i}", f"{key[0]} at {key[1]} is changed twice")
        seen.add(key)
    return checked


def proposal_create(
    *, proposer: str, title: str, description: str, changes: list, now: datetime
) -> Proposal:
    """Create a proposal in state pending, with its power snapshot taken at ``now``.

    Chain reads (the snapshot block, token balances) happen before the transaction opens.
    """
    title, description = title.strip(), description.strip()
    if not title or len(title) > 200:
        raise Invalid.field("title", "must be 1 to 200 characters")
    if len(description) > 20_000:
        raise Invalid.field("description", "must be at most 20,000 characters")
    snapshot_at = now.replace(microsecond=0)
    checked = changes_check(changes, at=now)
    recent = Proposal.objects.filter(proposer=proposer, created_at__gt=now - timedelta(days=1))
    if recent.count() >= PROPOSALS_PER_DAY:
        raise Forbidden(
            f"at most {PROPOSALS_PER_DAY} proposals per address per day", code="rate_limited"
        )
    block = chain.confirmed_block() if governance_config().token else None
    delegates = delegates_at(snapshot_at)
    holders = [
        holder_power(address=address, at=snapshot_at, block=block, delegates=delegates)
        for address in sorted(power_candidates(snapshot_at) | {proposer})
    ]
    threshold = param_get("proposal_threshold", at=now)
    proposer_power = sum(h.power for h in holders if h.delegate == proposer)
    if proposer_power < threshold:
        raise Forbidden(
            f"proposing needs {threshold} voting power; {proposer} has {proposer_power}",
            code="below_threshold",
        )
    desc_hash = description_hash(description)
    delay = param_get("voting_delay", at=now)
    vote_start = snapshot_at + timedelta(seconds=delay)
    proposal = Proposal(
        proposal_id=proposal_id_compute(
            changes=checked, description_hash=desc_hash, snapshot=int(snapshot_at.timestamp())
        ),
        proposer=proposer,
        title=title,
        description=description,
        description_hash=desc_hash,
        changes=checked,
        snapshot_at=snapshot_at,
        snapshot_block=block,
        vote_start=vote_start,
        vote_end=vote_start + timedelta(seconds=param_get("voting_period", at=now)),
        quorum=param_get("quorum", at=now),
        vote_threshold=param_get("vote_threshold", at=now),
        timelock_delay=param_get("timelock_delay", at=now),
        grace_period=param_get("grace_period", at=now),
        late_quorum_extension=param_get("late_quorum_extension", at=now),
        created_at=now,
    )
    try:
        with transaction.atomic():
            proposal.save()
            PowerSnapshot.objects.bulk_create(
                PowerSnapshot(
                    proposal=proposal,
                    address=h.address,
                    staked=h.staked,
                    token=h.token,
                    power=h.power,
                    delegate=h.delegate,
                )
                for h in holders
                if h.power > 0
            )
            audit_log_write(
                actor=proposer,
                action="backstop.governance.proposal.created",
                object_type="proposal",
                object_id=proposal.proposal_id,
                after={"title": title, "changes": checked, "state": proposal.state},
            )
    except IntegrityError:
        raise Conflict("an identical proposal was made in the same second") from None
    return proposal
