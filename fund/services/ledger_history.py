"""Fund history kept exact inside the posting transaction (decision 011).

``ledger_entries_post`` reads the day rows a batch can move together with its other reads,
and writes the history together with its entries, all under the chain-head lock. The head
lock serializes every ledger writer, so reading a day row, adding to it and writing it back
cannot race; the new values are written as upserts of whole rows, which both databases
spell the same way. Three tables move:

- ``FundEntry``: one row per (fund, entry) with the change and the balance after it;
- ``FundDay``: per fund and UTC day of event time, net change, closing balance, entry count
  and the seq span; an entry dated before existing days also moves their closings;
- ``FundDayKind``: inflow and outflow per entry kind per day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date

from fund.models import Entry, FundDay, FundDayKind
from fund.services.ledger_rows import Statement, rows_statement

FUND_ENTRY_FIELDS = ["fund_id", "entry_id", "seq", "kind", "event_time", "change", "balance_after"]
DAY_FIELDS = ["fund_id", "day", "net", "closing", "entries", "first_seq", "last_seq"]
KIND_FIELDS = ["fund_id", "day", "kind", "inflow", "outflow", "entries"]


@dataclass
class FundMove:
    """What one entry did to one fund: net change, balance after it, gross in and out."""

    change: int = 0
    balance_after: int = 0
    inflow: int = 0
    outflow: int = 0


@dataclass
class HistoryScope:
    """The history rows a batch may move: each fund's earliest day, each (fund, day, kind)."""

    first_day: dict[int, date] = field(default_factory=dict)
    kinds: set[tuple[int, date, str]] = field(default_factory=set)

    def add(self, fund_id: int, day: date, kind: str) -> None:
        known = self.first_day.get(fund_id)
        self.first_day[fund_id] = day if known is None or day < known else known
        self.kinds.add((fund_id, day, kind))


def history_reads(scope: HistoryScope) -> list[Statement]:
    """Two reads: the day rows from the last one before each fund's first day on, and the
    day-kind rows the batch can touch. None when the batch moves no fund."""
    if not scope.first_day:
        return []
    days = " OR ".join(
        ["(fund_id = %s AND day >= COALESCE((SELECT MAX(day) FROM fund_fundday"
         " WHERE fund_id = %s AND day < %s), %s))"] * len(scope.first_day)
    )  # fmt: skip
    day_params = [v for f, d in scope.first_day.items() for v in (f, f, d, d)]
    kinds = " OR ".join(["(fund_id = %s AND day = %s AND kind = %s)"] * len(scope.kinds))
    return [
        (f"SELECT {', '.join(DAY_FIELDS)} FROM fund_fundday WHERE {days}", day_params),  # noqa: S608
        (
            f"SELECT {', '.join(KIND_FIELDS)} FROM fund_funddaykind WHERE {kinds}",  # noqa: S608
            [v for key in scope.kinds for v in key],
        ),
    ]


def _day(value) -> date:
    """A date column as read through a plain cursor (a date on PostgreSQL, text on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def history_writes(
    *,
    booked: Sequence[tuple[Entry, dict[int, FundMove]]],
    read: list[list[tuple]],
) -> tuple[list[tuple], list[Statement]]:
    """The batch's FundEntry rows, and the upserts of its day and day-kind rows.

    ``read`` is what ``history_reads`` returned, read under the same head lock.
    """
    rows: list[tuple] = []
    days: dict[int, dict[date, list[int]]] = defaultdict(dict)  # net, entries, first, last
    kinds: dict[tuple[int, date, str], list[int]] = {}
    for entry, moves in booked:
        day = entry.event_time.astimezone(UTC).date()
        for fund_id, move in moves.items():
            rows.append(
                (fund_id, entry.pk, entry.seq, entry.kind, entry.event_time, move.change,
                 move.balance_after)
            )  # fmt: skip
            delta = days[fund_id].setdefault(day, [0, 0, entry.seq, entry.seq])
            delta[0] += move.change
            delta[1] += 1
            delta[3] = entry.seq
            flows = kinds.setdefault((fund_id, day, entry.kind), [0, 0, 0])
            flows[0] += move.inflow
            flows[1] += move.outflow
            flows[2] += 1
    if not rows:
        return [], []
    day_rows, kind_rows = read
    existing: dict[int, dict[date, tuple]] = defaultdict(dict)
    for fund_id, day, *values in day_rows:
        existing[fund_id][_day(day)] = tuple(int(v) for v in values)
    upserts = [row for fund_id, deltas in days.items() for row in _days(fund_id, deltas, existing)]
    known = {(f, _day(d), k): [int(v) for v in rest] for f, d, k, *rest in kind_rows}
    kind_upserts = []
    for key, (inflow, outflow, count) in kinds.items():
        before = known.get(key, [0, 0, 0])
        kind_upserts.append((*key, before[0] + inflow, before[1] + outflow, before[2] + count))
    return rows, [
        rows_statement(FundDay, DAY_FIELDS, upserts, upsert=(DAY_FIELDS[:2], DAY_FIELDS[2:])),
        rows_statement(
            FundDayKind, KIND_FIELDS, kind_upserts, upsert=(KIND_FIELDS[:3], KIND_FIELDS[3:])
        ),
    ]


def _days(fund_id: int, deltas: dict[date, list[int]], existing) -> list[tuple]:
    """The fund's day rows from its earliest batch day on, closings carried forward."""
    start = min(deltas)
    rows = existing.get(fund_id, {})
    earlier = [day for day in rows if day < start]
    carried = rows[max(earlier)][1] if earlier else 0  # closing of the last day before
    running = 0  # batch change up to and including the current day
    out = []
    for day in sorted(deltas.keys() | {d for d in rows if d >= start}):
        delta = deltas.get(day)
        running += delta[0] if delta else 0
        row = rows.get(day)
        if row is None:
            out.append((fund_id, day, delta[0], carried + running, *delta[1:]))
            continue
        net, closing, count, first, last = row
        carried = closing
        if delta:
            net, count = net + delta[0], count + delta[1]
            first, last = min(first, delta[2]), max(last, delta[3])
        elif running == 0:
            continue
        out.append((fund_id, day, net, closing + running, count, first, last))
    return out
