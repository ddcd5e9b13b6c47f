"""Proving the books: cached balances equal posting sums, and the hash chain holds."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from django.db import connection
from django.db.models import Sum

from common.canonical import GENESIS_HASH, canonical_json, chain_hash
from fund.models import Asset, Entry, LedgerAccount, Posting


@dataclass(frozen=True)
class LedgerProblem:
    where: str
    reason: str


def account_sums() -> dict[int, int]:
    if connection.vendor == "postgresql":
        rows = Posting.objects.values("account_id").annotate(total=Sum("amount"))
        return {row["account_id"]: int(row["total"]) for row in rows}
    totals: dict[int, int] = defaultdict(int)
    for account_id, amount in Posting.objects.values_list("account_id", "amount").iterator():
        totals[account_id] += amount
    return dict(totals)


def balances_verify() -> LedgerProblem | None:
    sums = account_sums()
    for account in LedgerAccount.objects.order_by("pk").iterator():
        total = sums.get(account.pk, 0)
        if account.balance != total:
            return LedgerProblem(
                f"account {account.kind}:{account.key}",
                f"cached balance {account.balance} != sum of postings {total}",
            )
        if account.protected and total < 0:
            return LedgerProblem(f"account {account.kind}:{account.key}", f"negative ({total})")
    return None


def chain_verify(
    progress: Callable[[int], None] | None = None, chunk: int = 5000
) -> LedgerProblem | None:
    """Recompute every entry's digest and chain link from the stored rows, in seq order."""
    symbols = dict(Asset.objects.values_list("id", "symbol"))
    funds = dict(
        Entry.objects.filter(fund__isnull=False).values_list("fund_id", "fund__name").distinct()
    )
    prev, expected = GENESIS_HASH, 1
    last_seq = 0
    while True:
        entries = list(Entry.objects.filter(seq__gt=last_seq).order_by("seq")[:chunk])
        if not entries:
            return None
        postings: dict[int, list] = defaultdict(list)
        for entry_id, kind, key, asset_id, amount in Posting.objects.filter(
            entry_id__in=[e.pk for e in entries]
        ).values_list("entry_id", "account__kind", "account__key", "asset_id", "amount"):
            postings[entry_id].append([kind, key, symbols[asset_id], str(amount)])
        for entry in entries:
            where = f"entry #{entry.seq} ({entry.key})"
            if entry.seq != expected:
                return LedgerProblem(where, f"sequence gap: expected #{expected}")
            content = {
                "key": entry.key,
                "kind": entry.kind,
                "fund": funds.get(entry.fund_id) if entry.fund_id else None,
                "event_time": entry.event_time.astimezone(UTC).isoformat(),
                "memo": entry.memo,
                "data": entry.data,
                "postings": sorted(postings[entry.pk]),
            }
            if hashlib.sha256(canonical_json(content)).hexdigest() != entry.digest:
                return LedgerProblem(where, "content does not match its digest (altered)")
            if entry.prev_hash != prev:
                return LedgerProblem(where, "prev_hash does not match the previous entry")
            if chain_hash(prev, {"seq": entry.seq, **content}) != entry.hash:
                return LedgerProblem(where, "hash does not match (chain rewritten)")
            prev, expected, last_seq = entry.hash, expected + 1, entry.seq
        if progress:
            progress(len(entries))
