"""Governance pages (server-rendered, htmx for the live tally). POSTs call the API's services."""

from __future__ import annotations

import markdown
import nh3
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from common.exceptions import BackstopError, NotFound
from common.ratelimit import ratelimited
from governance.auth import member_address, member_logout, member_required
from governance.conf import governance_config
from governance.models import FINAL_STATES, ProposalState
from governance.selectors import proposals as selectors
from governance.selectors.power import delegates_at
from governance.selectors.proposals import (
    change_rows,
    param_catalog,
    proposal_list,
    state_now,
    voters,
)
from governance.selectors.tally import tally_summary
from governance.services.impact import impact_preview_get, impact_preview_request
from governance.services.lifecycle import proposal_cancel_by_proposer
from governance.services.proposals import proposal_create

CHANGE_ROWS = 3


def proposal_get(proposal_id: str):
    try:
        return selectors.proposal_get(proposal_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def description_html(text: str) -> str:
    """Markdown rendered and then sanitized (no scripts, no raw HTML survives)."""
    return mark_safe(nh3.clean(markdown.markdown(text)))  # noqa: S308 (nh3 sanitized it)


def proposals(request):
    now = timezone.now()
    rows = proposal_list()
    for row in rows:
        row.state_now = state_now(row, now)
    context = {"proposals": rows, "now": now}
    return render(request, "governance/proposal_list.html", context)


def params(request):
    return render(request, "governance/params.html", {"params": param_catalog(at=timezone.now())})


def signin(request):
    target = request.GET.get("next", "/governance/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/governance/"
    return render(request, "governance/signin.html", {"next": target})


@member_required
def delegate(request):
    """Delegate voting power by a signed message (the wallet signs; see governance-wallet.js)."""
    address = member_address(request)
    current = delegates_at(timezone.now()).get(address, address)
    return render(request, "governance/delegate.html", {"current": current, "member": address})


@require_POST
def signout(request):
    member_logout(request)
    return redirect("/governance/")


def _tally_context(proposal) -> dict:
    summary = tally_summary(proposal)
    tally = summary["tally"]
    total = tally.for_votes + tally.against + tally.abstain
    widths = {
        key: (value * 100 // total if total else 0)
        for key, value in (
            ("for", tally.for_votes),
            ("against", tally.against),
            ("abstain", tally.abstain),
        )
    }
    return {
        "proposal": proposal,
        "summary": summary,
        "widths": widths,
        "voters": voters(proposal, limit=100),
    }


def proposal_detail(request, proposal_id: str):
    proposal = proposal_get(proposal_id)
    now = timezone.now()
    impact = impact_preview_get(proposal)
    impact_requested = impact is None and impact_preview_request(proposal)
    member = member_address(request)
    guardian = governance_config().guardian
    proposal.state_now = state_now(proposal, now)
    context = {
        **_tally_context(proposal),
        "description": description_html(proposal.description),
        "changes": change_rows(proposal, at=now),
        "impact": impact,
        "impact_requested": impact_requested,
        "guardian": guardian,
        # Shown to every member: the Safe signs, and the server checks it on chain (EIP-1271).
        "guardian_cancel": bool(guardian and member) and proposal.state not in FINAL_STATES,
        "member": member,
        "voting_open": proposal.state in (ProposalState.PENDING, ProposalState.ACTIVE)
        and proposal.vote_start <= now < proposal.vote_end,
        "can_cancel": member == proposal.proposer
        and proposal.state == ProposalState.PENDING
        and now < proposal.vote_start,
        "now": now,
    }
    return render(request, "governance/proposal_detail.html", context)


def proposal_tally(request, proposal_id: str):
    """The live tally partial the proposal page polls with htmx."""
    return render(
        request, "governance/partials/tally.html", _tally_context(proposal_get(proposal_id))
    )


@require_POST
@member_required
def proposal_cancel(request, proposal_id: str):
    proposal = proposal_get(proposal_id)
    try:
        proposal_cancel_by_proposer(
            proposal_pk=proposal.pk, proposer=member_address(request), now=timezone.now()
        )
        messages.success(request, "Proposal canceled.")
    except BackstopError as exc:
        messages.error(request, exc.message)
    return redirect("governance:proposal", proposal_id=proposal.proposal_id)


@require_http_methods(["GET", "POST"])
@member_required
@ratelimited(key="governance-propose", limit=10, period=60)
def proposal_new(request):
    """Propose changes to declared parameters only; bounds and max step are shown beside."""
    form = {"title": "", "description": "", "rows": [{} for _ in range(CHANGE_ROWS)]}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        rows = [
            {
                "name": request.POST.get(f"name_{i}", ""),
                "scope": request.POST.get(f"scope_{i}", "") or "global",
                "value": request.POST.get(f"value_{i}", ""),
            }
            for i in range(CHANGE_ROWS)
        ]
        form = {
            "title": request.POST.get("title", ""),
            "description": request.POST.get("description", ""),
            "rows": rows,
        }
        try:
            proposal = proposal_create(
                proposer=member_address(request),
                title=form["title"],
                description=form["description"],
                changes=[row for row in rows if row["name"]],
                now=timezone.now(),
            )
        except BackstopError as exc:
            errors = exc.fields or {"__all__": [exc.message]}
            messages.error(request, exc.message)
        else:
            return redirect("governance:proposal", proposal_id=proposal.proposal_id)
    context = {
        "form": form,
        "errors": errors,
        "params": param_catalog(at=timezone.now()),
    }
    return render(request, "governance/proposal_new.html", context)
