"""Reading balances. The cached balance is what the hot path uses; sums prove it."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Sum

from fund.models import Fund, LedgerAccount, Posting


def account_balance(account: LedgerAccount) -> int:
    return LedgerAccount.objects.values_list("balance", flat=True).get(pk=account.pk)


def fund_balance(fund: Fund) -> int:
    """The fund's cached balance (0 before its first posting)."""
    value = (
        LedgerAccount.objects.filter(
            kind=LedgerAccount.Kind.FUND, asset_id=fund.asset_id, key=fund.name
        )
        .values_list("balance", flat=True)
        .first()
    )
    return value or 0


def postings_sum(postings) -> int:
    """Exact sum of a postings queryset: in SQL on PostgreSQL, in Python on SQLite (text)."""
    if connection.vendor == "postgresql":
        return int(postings.aggregate(total=Sum("amount"))["total"] or 0)
    return sum(postings.values_list("amount", flat=True))


def fund_balance_at(fund: Fund, *, at: datetime) -> int:
    """The fund's balance from its postings with event time at or before ``at``."""
    return postings_sum(
        Posting.objects.filter(
            account__kind=LedgerAccount.Kind.FUND,
            account__key=fund.name,
            account__asset_id=fund.asset_id,
            entry__event_time__lte=at,
        )
    )
