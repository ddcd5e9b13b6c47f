"""The landing page's live summary, read from each app's own selectors.

This is the one place in ``common`` that looks into the apps; it only reads, and only
through their selectors, so the landing page shows the service at a glance without any
app depending on another for it.
"""

from __future__ import annotations

from django.utils import timezone


def overview() -> dict:
    from clearing.models import Market
    from custody.selectors import epochs_recent, payouts_paused
    from fund.selectors.history import funds_with_balances
    from governance.selectors.proposals import proposal_list, state_now

    funds = funds_with_balances()
    now = timezone.now()
    proposals = [(p, state_now(p, now)) for p in proposal_list(limit=5)]
    return {
        "funds": [(fund, payouts_paused(fund)) for fund in funds],
        "markets": list(Market.objects.select_related("fund", "asset").order_by("symbol")),
        "proposals": proposals,
        "epoch": epochs_recent(limit=1).first(),
    }
