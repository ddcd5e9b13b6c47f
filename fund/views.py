"""Public fund pages: the dashboard (balances, chart, flows, latest entries) and statements.

The chart's range buttons fetch ``fund/partials/fund_range.html`` through htmx; it carries the
daily balances as ``json_script`` data, which ``static/js/fund-chart.js`` draws (the CSP
forbids inline scripts). Every read comes from the precomputed fund history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from common.exceptions import BackstopError
from fund.api.ledger_views import statement_data
from fund.selectors.history import (
    DayRange,
    fund_day_span,
    fund_days,
    fund_get,
    fund_kind_totals,
    fund_latest_entries,
    fund_statement,
    funds_with_balances,
    month_parse,
    span_months,
)
from fund.selectors.ledger import fund_balance
from fund.selectors.rules import fund_rules

RANGES = {"7d": 7, "30d": 30, "90d": 90, "1y": 365, "all": None}
DEFAULT_RANGE = "90d"


def _fund_or_404(name: str):
    try:
        return fund_get(name)
    except BackstopError as exc:
        raise Http404(exc.message) from None


@require_GET
def fund_list(request):
    return render(request, "fund/fund_list.html", {"funds": funds_with_balances()})


def _range_context(fund, key: str, span: tuple[date, date] | None) -> dict:
    """Chart data and flows for a named range ending today (or the fund's last day, if later)."""
    if key not in RANGES:
        key = DEFAULT_RANGE
    today = datetime.now(UTC).date()
    last = max(today, span[1]) if span else today
    length = RANGES[key]
    earliest = span[0] if span else last
    first = earliest if length is None else last - timedelta(days=length - 1)
    days = DayRange(first, last)
    points = fund_days(fund, days=days)
    totals = fund_kind_totals(fund, days=days)
    chart = {
        "asset": fund.asset.symbol,
        "decimals": fund.asset.decimals,
        "labels": [p.day.isoformat() for p in points],
        "closing": [str(p.closing) for p in points],
        "flows": {
            "kinds": [t.kind.replace("_", " ") for t in totals],
            "inflow": [str(t.inflow) for t in totals],
            "outflow": [str(t.outflow) for t in totals],
        },
    }
    return {
        "fund": fund,
        "range": key,
        "ranges": list(RANGES),
        "days": days,
        "totals": totals,
        "chart": chart,
    }


@require_GET
def fund_detail(request, name: str):
    fund = _fund_or_404(name)
    span = fund_day_span(fund)
    context = _range_context(fund, request.GET.get("range", DEFAULT_RANGE), span)
    context.update(
        balance=fund_balance(fund),
        rules=fund_rules(fund),
        latest=fund_latest_entries(fund, limit=20),
        months=list(reversed(span_months(span))),
    )
    return render(request, "fund/fund_detail.html", context)


@require_GET
def fund_range(request, name: str):
    """The htmx partial behind the range buttons: chart data and flows for one range."""
    fund = _fund_or_404(name)
    context = _range_context(fund, request.GET.get("range", DEFAULT_RANGE), fund_day_span(fund))
    return render(request, "fund/partials/fund_range.html", context)


@require_GET
def fund_statement_page(request, name: str, month: str):
    """A month's statement as a printable page (the same figures as the JSON and CSV)."""
    fund = _fund_or_404(name)
    try:
        statement = fund_statement(fund, month=month_parse(month))
    except BackstopError as exc:
        raise Http404(exc.message) from None
    return render(
        request,
        "fund/statement.html",
        {"fund": fund, "statement": statement, "data": statement_data(statement)},
    )
