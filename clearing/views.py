"""Public clearing pages: markets with their risk mode, and each market's liquidations with how
every loss was covered (the waterfall, step by step) and the ADL queue lights."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clearing.models import Market, Position
from clearing.selectors import (
    adl_queue,
    losses_borne,
    market_risk_summary,
    settlements_recent,
    staff_overview,
)
from common.auth import staff_required

QUEUE_SHOWN = 20


def _markets():
    return Market.objects.select_related("asset", "fund").order_by("symbol")


@require_GET
def market_list(request):
    rows = [market_risk_summary(market) for market in _markets()]
    return render(request, "clearing/market_list.html", {"markets": rows})


@require_GET
def market_detail(request, symbol: str):
    market = _markets().filter(symbol=symbol).first()
    if market is None:
        raise Http404(f"no market {symbol}")
    queues = {
        side: adl_queue(market, side=side)[:QUEUE_SHOWN]
        for side in (Position.Side.LONG, Position.Side.SHORT)
    }
    context = {
        "market": market,
        "summary": market_risk_summary(market),
        "settlements": settlements_recent(market),
        "borne": losses_borne(market),
        "queues": queues,
        "mode_changes": market.mode_changes.order_by("-at", "-id")[:10],
        "decimals": market.asset.decimals,
    }
    return render(request, "clearing/market_detail.html", context)


@require_GET
@staff_required()
def staff_settlement(request):
    """Admins: stuck liquidations, uncovered deficits, shortfalls under review, settlements."""
    return render(request, "clearing/staff.html", staff_overview())
