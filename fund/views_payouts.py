"""Pages for payouts: the staff review queue (htmx actions) and the member claim form.

Both call the same services as the API. An htmx action answers with the changed row (or an
error line inside it); without htmx it redirects back to the queue with a message.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from common.auth import staff_required
from common.exceptions import BackstopError, Invalid
from common.ratelimit import ratelimited
from fund.models import Fund
from fund.selectors.payouts import (
    claim_get,
    claims_of_member,
    claims_to_review,
    payout_get,
    payouts_history,
    payouts_open,
)
from fund.services.claims import claim_review, claim_submit
from fund.services.payouts import REVIEWER_ROLE, payout_approve, payout_book_retry, payout_reject
from governance.auth import member_address, member_required

QUEUE = "fund:payout-queue"


@staff_required(REVIEWER_ROLE)
def payout_queue(request):
    return render(
        request,
        "fund/payouts/queue.html",
        {
            "payouts": payouts_open(),
            "claims": claims_to_review(),
            "history": payouts_history(),
        },
    )


def _answer(request, template: str, context: dict, error: str = ""):
    """The changed row for htmx, or back to the queue with a message."""
    if request.headers.get("HX-Request"):
        return render(request, template, {**context, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Done.")
    return redirect(QUEUE)


@require_POST
@staff_required(REVIEWER_ROLE)
def payout_action(request, pk: int, action: str):
    payout = payout_get(pk)
    error = ""
    try:
        if action == "approve":
            payout_approve(payout=payout, user=request.user)
        elif action == "reject":
            payout_reject(payout=payout, user=request.user, reason=request.POST.get("reason", ""))
        else:
            payout_book_retry(payout=payout, user=request.user)
    except BackstopError as exc:
        error = exc.message
    return _answer(request, "fund/payouts/_payout_row.html", {"payout": payout_get(pk)}, error)


@require_POST
@staff_required(REVIEWER_ROLE)
def claim_decide(request, pk: int):
    error = ""
    try:
        claim_review(
            claim=claim_get(pk),
            user=request.user,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
            recipient_account=request.POST.get("recipient_account", "").strip(),
        )
    except BackstopError as exc:
        error = exc.message
    return _answer(request, "fund/payouts/_claim_row.html", {"claim": claim_get(pk)}, error)


class ClaimForm(forms.Form):
    """Shape only; the amount is given in whole units and converted exactly (never rounded)."""

    fund = forms.ModelChoiceField(
        queryset=Fund.objects.select_related("asset"), to_field_name="name"
    )
    amount = forms.DecimalField(min_value=Decimal("0"), help_text="in whole units, e.g. 125.5")
    loss_time = forms.DateTimeField(
        help_text="when the loss happened (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000)

    def smallest_units(self) -> int:
        fund, amount = self.cleaned_data["fund"], self.cleaned_data["amount"]
        units = amount.scaleb(fund.asset.decimals)
        if units != units.to_integral_value():
            raise Invalid.field("amount", f"{fund.asset} has {fund.asset.decimals} decimals")
        return int(units)


@require_http_methods(["GET", "POST"])
@ratelimited(key="claim-submit", limit=10, period=3600)
@member_required
def claim_page(request):
    address = member_address(request)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = claim_submit(
                member_address=address,
                fund=form.cleaned_data["fund"],
                amount=form.smallest_units(),
                loss_time=form.cleaned_data["loss_time"],
                evidence=form.cleaned_data["evidence"],
            )
        except BackstopError as exc:
            for path, reasons in exc.fields.items():
                form.add_error(path if path in form.fields else None, reasons)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, f"Claim #{claim.pk} submitted; staff will review it.")
            return redirect("fund:claims")
    return render(
        request, "fund/payouts/claims.html", {"form": form, "claims": claims_of_member(address)}
    )
