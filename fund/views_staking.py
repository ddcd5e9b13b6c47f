"""Staking pages: the member's own stake (forms for every action) and public staking figures.

Forms post to small views that call the same services as the API and come back to the page
with a message. The stake form carries a fresh client key, so a double submit books once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation, localcontext

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.exceptions import BackstopError, Invalid
from fund.models import Fund
from fund.selectors.history import fund_get
from fund.selectors.staking_summary import my_stake, stats_payload
from fund.services.staking import stake_create, unstake_cancel, unstake_request, unstake_withdraw
from governance.auth import member_address, member_required

ME = "fund:staking-me"


def _whole_to_smallest(text: str, decimals: int) -> int:
    """``"12.5"`` with 6 decimals → 12500000; more digits than the asset has are refused."""
    if len(text) > 100:
        raise Invalid.field("amount", "is too long")
    try:
        with localcontext(prec=200):  # exact: the default 28 digits would round big amounts
            units = Decimal(text.strip()).scaleb(decimals)
    except (InvalidOperation, AttributeError):
        raise Invalid.field("amount", "must be a number of whole units, e.g. 125.5") from None
    if not units.is_finite() or units != units.to_integral_value():
        raise Invalid.field("amount", f"has more than {decimals} decimal places")
    return int(units)


@member_required
def staking_me(request):
    now = timezone.now()
    context = my_stake(member_address(request), now=now)
    held = {p["fund"] for p in context["positions"]}
    charts = [stats_payload(f, now=now) for f in Fund.objects.filter(name__in=held)]
    return render(
        request,
        "fund/staking/me.html",
        {
            **context,
            "charts": charts,
            "funds": Fund.objects.select_related("asset").order_by("name"),
            "client_key": uuid.uuid4().hex,
            "now": now,
        },
    )


def _act(request, action) -> None:
    try:
        text = action()
    except BackstopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, text)


@require_POST
@member_required
def stake_submit(request):
    def act():
        fund = fund_get(request.POST.get("fund", ""))
        deposit = stake_create(
            fund=fund,
            address=member_address(request),
            amount=_whole_to_smallest(request.POST.get("amount", ""), fund.asset.decimals),
            tx_hash=request.POST.get("tx_hash") or None,
            client_key=request.POST.get("client_key", ""),
            now=timezone.now(),
        )
        return f"Staked in {fund.name}: {deposit.shares} shares."

    _act(request, act)
    return redirect(ME)


@require_POST
@member_required
def unstake_submit(request):
    def act():
        shares = request.POST.get("shares", "")
        if not shares.isdigit():
            raise Invalid.field("shares", "must be a whole number of shares")
        row = unstake_request(
            fund=fund_get(request.POST.get("fund", "")),
            address=member_address(request),
            shares=int(shares),
            now=timezone.now(),
        )
        return f"Unstake requested; you can withdraw from {row.available_at:%Y-%m-%d %H:%M} UTC."

    _act(request, act)
    return redirect(ME)


@require_POST
@member_required
def unstake_close_submit(request, pk: int, action: str):
    if action not in ("cancel", "withdraw"):
        raise Http404(f"no action {action!r}")

    def act():
        address, now = member_address(request), timezone.now()
        if action == "cancel":
            unstake_cancel(request_id=pk, address=address, now=now)
            return "Unstake request cancelled; the shares are free again."
        row = unstake_withdraw(request_id=pk, address=address, client_key=f"page-{pk}", now=now)
        return f"Withdrawn to your balance: {row.paid} (smallest units)."

    _act(request, act)
    return redirect(ME)


def staking_public(request, name: str):
    fund = fund_get(name)
    stats = stats_payload(fund, now=timezone.now())
    return render(request, "fund/staking/public.html", {"fund": fund, "stats": stats})
