"""Custody pages: the public reserves page (with self-check) and the custody admins' page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from common.auth import staff_required
from common.exceptions import BackstopError
from custody.models import CustodyAlert, TrackedWallet
from custody.selectors import (
    alerts_open,
    balance_history,
    epochs_recent,
    staker_proof,
    wallets_with_state,
)
from custody.services.alerts import custody_alert_acknowledge
from custody.services.epochs import reserve_epoch_create
from custody.services.wallets import wallet_track
from fund.models import Fund


def reserves(request):
    """Epochs, assets vs liabilities per fund, downloads, and a staker's own inclusion check."""
    epochs = list(epochs_recent())
    latest = epochs[0] if epochs else None
    funds = list(Fund.objects.select_related("asset"))
    check = None
    address = request.GET.get("address", "").strip()
    staked = [s.fund.name for s in latest.funds.all() if s.staker_total] if latest else []
    fund_name = request.GET.get("fund") or next(iter(staked), funds[0].name if funds else "")
    if address and latest:
        proof = staker_proof(epoch=latest, fund_name=fund_name, address=address)
        check = {"address": address, "fund": fund_name, "proof": proof}
        if proof:
            check["proof_json"] = json.dumps(proof)
    context = {
        "epochs": epochs,
        "latest": latest,
        "funds": funds,
        "check": check,
        "fund_name": fund_name,
    }
    return render(request, "custody/reserves.html", context)


def _chart_series(wallet: TrackedWallet) -> dict:
    rows = [r for r in balance_history(wallet) if r.symbol == wallet.fund.asset.symbol]
    return {
        "label": f"{wallet.label or wallet.address[:10]} {wallet.fund.asset.symbol}",
        "decimals": wallet.fund.asset.decimals,
        "blocks": [r.block_number for r in rows],
        "amounts": [str(r.amount) for r in rows],
    }


@staff_required("custody_admin")
def staff(request):
    wallets = wallets_with_state()
    context = {
        "wallets": wallets,
        "alerts": alerts_open()[:100],
        "funds": Fund.objects.all(),
        "series": [_chart_series(wallet) for wallet, _, _ in wallets],
        "kinds": TrackedWallet.Kind.choices,
    }
    return render(request, "custody/staff.html", context)


@require_POST
@staff_required("custody_admin")
def wallet_add(request):
    fund = Fund.objects.filter(name=request.POST.get("fund", "")).first()
    try:
        if fund is None:
            raise BackstopError("choose a fund")
        wallet = wallet_track(
            chain_id=int(request.POST.get("chain_id") or 0),
            address=request.POST.get("address", ""),
            kind=request.POST.get("kind", ""),
            fund=fund,
            label=request.POST.get("label", ""),
            actor=request.user.get_username(),
        )
        messages.success(request, f"Tracking {wallet}.")
    except (BackstopError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("custody:staff")


@require_POST
@staff_required("custody_admin")
def alert_acknowledge(request, alert_id: int):
    custody_alert_acknowledge(alert=get_object_or_404(CustodyAlert, pk=alert_id), user=request.user)
    return redirect("custody:staff")


@require_POST
@staff_required("custody_admin")
def epoch_publish(request):
    """Read every wallet at a fresh confirmed block and publish an epoch now."""
    try:
        epoch = reserve_epoch_create(actor=request.user.get_username())
        messages.success(request, f"Epoch {epoch.number} published.")
    except BackstopError as exc:
        messages.error(request, exc.message)
    return redirect("custody:staff")
