"""Proving the fund history: FundEntry, FundDay and FundDayKind equal what the postings say.

One pass over the fund accounts' postings in (fund, seq) order, merged with the FundEntry
rows in the same order; the day and day-kind totals are small and kept in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC

from fund.models import FundDay, FundDayKind, FundEntry, LedgerAccount, Posting
from fund.services.ledger_verify import LedgerProblem


def _entry_moves() -> Iterator[tuple[int, int, str, object, int, int, int]]:
    """(fund, seq, kind, event_time, change, inflow, outflow) per entry touching a fund."""
    rows = (
        Posting.objects.filter(account__kind=LedgerAccount.Kind.FUND, account__fund__isnull=False)
        .order_by("account__fund_id", "entry__seq")
        .values_list("account__fund_id", "entry__seq", "entry__kind", "entry__event_time", "amount")
        .iterator(chunk_size=10000)
    )
    current = None
    for fund_id, seq, kind, event_time, amount in rows:
        if current and (current[0], current[1]) != (fund_id, seq):
            yield tuple(current)
            current = None
        if current is None:
            current = [fund_id, seq, kind, event_time, 0, 0, 0]
        current[4] += amount
        current[5] += max(amount, 0)
        current[6] += max(-amount, 0)
    if current:
        yield tuple(current)


def history_verify() -> LedgerProblem | None:
    """Recompute the fund history from postings; return the first difference found."""
    stored = (
        FundEntry.objects.order_by("fund_id", "seq")
        .values_list("fund_id", "seq", "change", "balance_after")
        .iterator(chunk_size=10000)
    )
    days: dict[tuple, list[int]] = {}
    kinds: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    balance: dict[int, int] = defaultdict(int)
    for fund_id, seq, kind, event_time, change, inflow, outflow in _entry_moves():
        balance[fund_id] += change
        row = next(stored, None)
        where = f"fund history of fund {fund_id} at entry #{seq}"
        if row is None or row[:2] != (fund_id, seq):
            return LedgerProblem(where, f"index row missing or out of place (found {row})")
        if (row[2], row[3]) != (change, balance[fund_id]):
            return LedgerProblem(
                where, f"stored change/balance {row[2]}/{row[3]} != {change}/{balance[fund_id]}"
            )
        day = event_time.astimezone(UTC).date()
        totals = days.setdefault((fund_id, day), [0, 0, seq, seq])
        totals[0] += change
        totals[1] += 1
        totals[2], totals[3] = min(totals[2], seq), max(totals[3], seq)
        flows = kinds[(fund_id, day, kind)]
        flows[0] += inflow
        flows[1] += outflow
        flows[2] += 1
    extra = next(stored, None)
    if extra:
        return LedgerProblem(f"fund history of fund {extra[0]}", f"entry #{extra[1]} not booked")
    return _days_verify(days) or _kinds_verify(kinds)


def _days_verify(days: dict[tuple, list[int]]) -> LedgerProblem | None:
    closing: dict[int, int] = defaultdict(int)
    stored = {
        (row.fund_id, row.day): row for row in FundDay.objects.order_by("fund_id", "day").iterator()
    }
    if stored.keys() != days.keys():
        missing = sorted(days.keys() ^ stored.keys())[0]
        return LedgerProblem(f"fund day {missing[0]}/{missing[1]}", "missing or extra day row")
    for (fund_id, day), (net, entries, first, last) in sorted(days.items()):
        closing[fund_id] += net
        row = stored[(fund_id, day)]
        got = (row.net, row.closing, row.entries, row.first_seq, row.last_seq)
        want = (net, closing[fund_id], entries, first, last)
        if got != want:
            return LedgerProblem(
                f"fund day {fund_id}/{day}",
                f"stored (net, closing, entries, first, last) {got} != {want}",
            )
    return None


def _kinds_verify(kinds: dict[tuple, list[int]]) -> LedgerProblem | None:
    stored = {
        (row.fund_id, row.day, row.kind): [row.inflow, row.outflow, row.entries]
        for row in FundDayKind.objects.iterator()
    }
    for key in sorted(stored.keys() | kinds.keys()):
        if stored.get(key) != kinds.get(key):
            return LedgerProblem(
                f"fund day {key[0]}/{key[1]} kind {key[2]}",
                f"stored (inflow, outflow, entries) {stored.get(key)} != {kinds.get(key)}",
            )
    return None
