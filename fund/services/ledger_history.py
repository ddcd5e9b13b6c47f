"""Fund history kept exact inside the posting transaction (decision 011).

``ledger_entries_post`` calls ``fund_history_record`` once per batch, after the entries are
inserted and still under the chain-head lock. The head lock serializes every ledger writer,
so reading a day row, adding to it and writing it back cannot race. Three tables move:

- ``FundEntry``: one row per (fund, entry) with the change and the balance after it;
- ``FundDay``: per fund and UTC day of event time, net change, closing balance, entry count
  and the seq span; an entry dated before existing days also moves their closings;
- ``FundDayKind``: inflow and outflow per entry kind per day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date

from django.db import connection
from django.db.models import Q, Subquery

from fund.models import Entry, FundDay, FundDayKind, FundEntry
from fund.services.ledger_rows import rows_insert

FUND_ENTRY_FIELDS = [
    "fund_id",
    "entry_id",
    "seq",
    "kind",
    "event_time",
    "change",
    "balance_after",
]


@dataclass
class FundMove:
    """What one entry did to one fund: net change, balance after it, gross in and out."""

    change: int = 0
    balance_after: int = 0
    inflow: int = 0
    outflow: int = 0


@dataclass
class _DayDelta:
    net: int = 0
    entries: int = 0
    first_seq: int = 0
    last_seq: int = 0


def fund_history_record(*, booked: Sequence[tuple[Entry, dict[int, FundMove]]]) -> None:
    """Append FundEntry rows and fold the batch into the day and day-kind aggregates."""
    rows: list[tuple] = []
    days: dict[int, dict[date, _DayDelta]] = defaultdict(dict)
    kinds: dict[tuple[int, date, str], list[int]] = {}
    for entry, moves in booked:
        day = entry.event_time.astimezone(UTC).date()
        for fund_id, move in moves.items():
            rows.append(
                (
                    fund_id,
                    entry.pk,
                    entry.seq,
                    entry.kind,
                    entry.event_time,
                    move.change,
                    move.balance_after,
                )
            )
            delta = days[fund_id].setdefault(day, _DayDelta(first_seq=entry.seq))
            delta.net += move.change
            delta.entries += 1
            delta.last_seq = entry.seq
            flows = kinds.setdefault((fund_id, day, entry.kind), [0, 0, 0])
            flows[0] += move.inflow
            flows[1] += move.outflow
            flows[2] += 1
    if not rows:
        return
    rows_insert(FundEntry, FUND_ENTRY_FIELDS, rows)
    for fund_id, deltas in days.items():
        _days_apply(fund_id, deltas)
    _kinds_apply(kinds)


def _days_apply(fund_id: int, deltas: dict[date, _DayDelta]) -> None:
    """Add the batch to the fund's day rows from its earliest day on, closings included."""
    start = min(deltas)
    previous = FundDay.objects.filter(fund_id=fund_id, day__lt=start).order_by("-day")
    rows = FundDay.objects.filter(fund_id=fund_id).filter(
        Q(day__gte=start) | Q(day=Subquery(previous.values("day")[:1]))
    )
    existing = {row.day: row for row in rows}
    before = existing.pop(min(existing), None) if existing and min(existing) < start else None
    carried = before.closing if before else 0  # closing of the last day before, as it stood
    running = 0  # batch change up to and including the current day
    created, changed = [], []
    for day in sorted(deltas.keys() | existing.keys()):
        delta = deltas.get(day)
        running += delta.net if delta else 0
        row = existing.get(day)
        if row is None:
            created.append(
                FundDay(
                    fund_id=fund_id,
                    day=day,
                    net=delta.net,
                    closing=carried + running,
                    entries=delta.entries,
                    first_seq=delta.first_seq,
                    last_seq=delta.last_seq,
                )
            )
            continue
        carried = row.closing
        row.closing += running
        if delta:
            row.net += delta.net
            row.entries += delta.entries
            row.first_seq = min(row.first_seq, delta.first_seq)
            row.last_seq = max(row.last_seq, delta.last_seq)
        changed.append(row)
    FundDay.objects.bulk_create(created)
    if changed:
        FundDay.objects.bulk_update(changed, ["net", "closing", "entries", "first_seq", "last_seq"])


KINDS_UPSERT = """
INSERT INTO fund_funddaykind (fund_id, day, kind, inflow, outflow, entries)
SELECT * FROM unnest(%s::bigint[], %s::date[], %s::varchar[], %s::numeric[], %s::numeric[],
                     %s::int[])
ON CONFLICT (fund_id, day, kind) DO UPDATE SET
  inflow = fund_funddaykind.inflow + EXCLUDED.inflow,
  outflow = fund_funddaykind.outflow + EXCLUDED.outflow,
  entries = fund_funddaykind.entries + EXCLUDED.entries
"""


def _kinds_apply(kinds: dict[tuple[int, date, str], list[int]]) -> None:
    if connection.vendor == "postgresql":  # one statement, however many rows
        columns = list(zip(*((*key, *flows) for key, flows in kinds.items()), strict=True))
        with connection.cursor() as cursor:
            cursor.execute(KINDS_UPSERT, [list(column) for column in columns])
        return
    existing = {
        (row.fund_id, row.day, row.kind): row
        for row in FundDayKind.objects.filter(
            fund_id__in={k[0] for k in kinds},
            day__in={k[1] for k in kinds},
            kind__in={k[2] for k in kinds},
        )
    }
    created, changed = [], []
    for (fund_id, day, kind), (inflow, outflow, count) in kinds.items():
        row = existing.get((fund_id, day, kind))
        if row is None:
            created.append(
                FundDayKind(
                    fund_id=fund_id,
                    day=day,
                    kind=kind,
                    inflow=inflow,
                    outflow=outflow,
                    entries=count,
                )
            )
        else:
            row.inflow += inflow
            row.outflow += outflow
            row.entries += count
            changed.append(row)
    FundDayKind.objects.bulk_create(created)
    if changed:
        FundDayKind.objects.bulk_update(changed, ["inflow", "outflow", "entries"])
