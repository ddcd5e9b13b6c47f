"""Reading balances. The cached balance is what the hot path uses; sums prove it."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.db import connection
from django.db.models import Sum

from fund.models import Fund, FundDay, FundEntry, LedgerAccount


def account_balance(account: LedgerAccount) -> int:
    return LedgerAccount.objects.values_list("balance", flat=True).get(pk=account.pk)


def fund_balance(fund: Fund) -> int:
    """The fund's cached balance (0 before its first posting)."""
    value = (
        LedgerAccount.objects.filter(
            kind=LedgerAccount.Kind.FUND, fund=fund, asset_id=fund.asset_id
        )
        .values_list("balance", flat=True)
        .first()
    )
    return value or 0


def fund_balance_at(fund: Fund, *, at: datetime) -> int:
    """The fund's balance counting entries with event time at or before ``at``.

    Two bounded reads, never a scan: the closing of the fund's last day before ``at``'s UTC day
    (``FundDay``), plus the changes of that day's entries up to ``at`` (``FundEntry``).
    """
    day = at.astimezone(UTC).date()
    closing = (
        FundDay.objects.filter(fund=fund, day__lt=day)
        .order_by("-day")
        .values_list("closing", flat=True)
        .first()
    )
    start = datetime.combine(day, time.min, tzinfo=UTC)
    changes = FundEntry.objects.filter(fund=fund, event_time__gte=start, event_time__lte=at)
    return (closing or 0) + amount_sum(changes, "change")


def amount_sum(queryset, field: str) -> int:
    """Exact sum of an amount column: in SQL on PostgreSQL, in Python on SQLite (text)."""
    if connection.vendor == "postgresql":
        return int(queryset.aggregate(total=Sum(field))["total"] or 0)
    return sum(queryset.values_list(field, flat=True))


def postings_sum(postings) -> int:
    """Exact sum of a postings queryset's amounts."""
    return amount_sum(postings, "amount")
