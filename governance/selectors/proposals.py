"""Reads for the proposal pages and API: lists, parameter diffs, voters, the parameter catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.exceptions import NotFound
from governance.models import Ballot, Member, Proposal, ProposalState
from governance.registry import REGISTRY, scope_level
from governance.selectors.params import param_get


def scope_value(name: str, scope: str, at: datetime) -> Any:
    """The value in force for exactly this scope (falling back to wider scopes and default)."""
    level = scope_level(scope)
    target = scope.partition(":")[2]
    return param_get(
        name,
        market=target if level == "market" else None,
        fund=target if level == "fund" else None,
        at=at,
    )


def proposal_get(proposal_id: str) -> Proposal:
    proposal = Proposal.objects.filter(proposal_id=proposal_id.lower()).first()
    if proposal is None:
        raise NotFound(f"no proposal {proposal_id}")
    return proposal


def proposal_list(*, state: str | None = None, limit: int = 100) -> list[Proposal]:
    rows = Proposal.objects.all()
    if state:
        rows = rows.filter(state=state)
    return list(rows[:limit])


def state_now(proposal: Proposal, now: datetime) -> str:
    """The state as the clock has it, before the beat task catches up (for display only).

    A pending proposal whose vote has started shows as active; an active one whose vote has
    ended shows as "counting" until the beat records the outcome.
    """
    if proposal.state == ProposalState.PENDING and now >= proposal.vote_start:
        return ProposalState.ACTIVE if now < proposal.vote_end else "counting"
    if proposal.state == ProposalState.ACTIVE and now >= proposal.vote_end:
        return "counting"
    return proposal.state


def _text(param, value: Any) -> str | None:
    return param.serialize(value)


@dataclass(frozen=True)
class ChangeRow:
    name: str
    scope: str
    current: str | None
    proposed: str | None
    minimum: str | None
    maximum: str | None
    max_step: str | None
    unit: str


def change_rows(proposal: Proposal, *, at: datetime) -> list[ChangeRow]:
    """Each change as a diff: the value in force at ``at`` next to the proposed one."""
    rows = []
    for change in proposal.changes:
        param = REGISTRY[change["name"]]
        rows.append(
            ChangeRow(
                name=param.name,
                scope=change["scope"],
                current=_text(param, scope_value(param.name, change["scope"], at)),
                proposed=change["value"],
                minimum=_text(param, param.min),
                maximum=_text(param, param.max),
                max_step=_text(param, param.max_step),
                unit=param.unit,
            )
        )
    return rows


def param_catalog(*, at: datetime) -> list[dict]:
    """Every declared parameter with its global value in force, bounds and allowed scopes."""
    return [
        {
            "name": p.name,
            "app": p.app,
            "kind": p.kind,
            "help": p.help,
            "unit": p.unit,
            "scopes": list(p.scopes),
            "value": p.serialize(param_get(p.name, at=at)) if "global" in p.scopes else None,
            "min": p.serialize(p.min),
            "max": p.serialize(p.max),
            "max_step": p.serialize(p.max_step),
            "choices": list(p.choices),
        }
        for p in sorted(REGISTRY.values(), key=lambda p: (p.app, p.name))
    ]


def voters(proposal: Proposal, *, limit: int = 500) -> list[Ballot]:
    return list(Ballot.objects.filter(proposal=proposal).order_by("-weight", "voter")[:limit])


def member_nonce(address: str) -> int:
    member = Member.objects.filter(address=address).first()
    return member.nonce if member else 0
