"""Reading a fund's history for the API, the dashboard and statements.

Every read here is bounded by the number of days or the page size asked for, never by the
number of entries in the fund: balances over time come from ``FundDay``, flows by kind from
``FundDayKind``, and entry lists page through the ``FundEntry`` index by (event time, seq).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import Max, Min, OuterRef, Q, Subquery, Sum

from common.exceptions import Invalid, NotFound
from common.fields import AmountField
from fund.models import Entry, Fund, FundDay, FundDayKind, FundEntry, LedgerAccount

MAX_RANGE_DAYS = 3660


def fund_get(name: str, *, path: str = "fund") -> Fund:
    fund = Fund.objects.select_related("asset").filter(name=name).first()
    if fund is None:
        raise NotFound.field(path, f"unknown fund {name!r}")
    return fund


def funds_with_balances() -> list[Fund]:
    """All funds with their asset and cached ``balance`` (0 before any posting), one query."""
    balance = LedgerAccount.objects.filter(
        kind=LedgerAccount.Kind.FUND, fund=OuterRef("pk"), asset=OuterRef("asset")
    ).values("balance")[:1]
    funds = Fund.objects.select_related("asset").annotate(
        cached=Subquery(balance, output_field=AmountField())
    )
    for fund in funds:
        fund.balance = fund.cached or 0
    return list(funds)


@dataclass(frozen=True)
class DayRange:
    """Inclusive UTC days; ``start``/``end`` are the half-open datetime bounds."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)


def day_range(
    first: date | None,
    last: date | None,
    *,
    default_days: int = 90,
    max_days: int | None = MAX_RANGE_DAYS,
) -> DayRange:
    """Check a requested range: ``from`` not after ``to``, at most ``max_days`` long."""
    last = last or datetime.now(UTC).date()
    first = first or last - timedelta(days=default_days - 1)
    if first > last:
        raise Invalid.field("from", f"must not be after 'to' ({first} > {last})")
    if max_days and (last - first).days + 1 > max_days:
        raise Invalid.field("from", f"range too large: at most {max_days} days")
    return DayRange(first, last)


@dataclass(frozen=True)
class DayPoint:
    day: date
    closing: int
    net: int
    entries: int


def fund_days(fund: Fund, *, days: DayRange) -> list[DayPoint]:
    """Closing balance for every day of the range (days without entries carry the last one)."""
    before = (
        FundDay.objects.filter(fund=fund, day__lt=days.first)
        .order_by("-day")
        .values_list("closing", flat=True)
        .first()
    )
    rows = {
        row.day: row
        for row in FundDay.objects.filter(fund=fund, day__gte=days.first, day__lte=days.last)
    }
    points, closing, day = [], before or 0, days.first
    while day <= days.last:
        row = rows.get(day)
        if row:
            closing = row.closing
        points.append(DayPoint(day, closing, row.net if row else 0, row.entries if row else 0))
        day += timedelta(days=1)
    return points


@dataclass(frozen=True)
class KindTotal:
    kind: str
    inflow: int
    outflow: int
    entries: int


def fund_kind_totals(fund: Fund, *, days: DayRange) -> list[KindTotal]:
    """Inflow and outflow per entry kind over the range, largest movement first."""
    rows = FundDayKind.objects.filter(fund=fund, day__gte=days.first, day__lte=days.last)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    if connection.vendor == "postgresql":
        for kind, inflow, outflow, entries in (
            rows.values("kind")
            .annotate(i=Sum("inflow"), o=Sum("outflow"), n=Sum("entries"))
            .values_list("kind", "i", "o", "n")
        ):
            totals[kind] = [int(inflow), int(outflow), int(entries)]
    else:
        for kind, inflow, outflow, entries in rows.values_list(
            "kind", "inflow", "outflow", "entries"
        ):
            total = totals[kind]
            total[0], total[1], total[2] = total[0] + inflow, total[1] + outflow, total[2] + entries
    result = [KindTotal(kind, *values) for kind, values in totals.items()]
    return sorted(result, key=lambda t: (-(t.inflow + t.outflow), t.kind))


@dataclass(frozen=True)
class EntryCursor:
    """Where a page of entries (newest first) continues: before this (event time, seq)."""

    event_time: datetime
    seq: int

    def encode(self) -> str:
        return f"{self.event_time.astimezone(UTC).isoformat()}~{self.seq}"

    @classmethod
    def decode(cls, text: str) -> EntryCursor:
        when, _, seq = text.rpartition("~")
        try:
            parsed = datetime.fromisoformat(when)
            if parsed.tzinfo is None or not seq.isdigit():
                raise ValueError
        except ValueError:
            raise Invalid.field("cursor", "not a cursor this API returned") from None
        return cls(parsed, int(seq))


def fund_entries_page(
    fund: Fund, *, days: DayRange, cursor: EntryCursor | None, size: int
) -> tuple[list[FundEntry], EntryCursor | None]:
    """One page of the fund's entries, newest first, and the cursor of the next page."""
    rows = FundEntry.objects.filter(
        fund=fund, event_time__gte=days.start, event_time__lt=days.end
    ).select_related("entry")
    if cursor:
        rows = rows.filter(event_time__lte=cursor.event_time).filter(
            Q(event_time__lt=cursor.event_time) | Q(seq__lt=cursor.seq)
        )
    page = list(rows.order_by("-event_time", "-seq")[: size + 1])
    more = len(page) > size
    page = page[:size]
    return page, EntryCursor(page[-1].event_time, page[-1].seq) if more else None


def fund_entries_iter(fund: Fund, *, days: DayRange, chunk: int = 2000) -> Iterator[FundEntry]:
    """Every entry of the range, oldest first, in keyset chunks (for streaming exports)."""
    after: tuple[datetime, int] | None = None
    while True:
        rows = FundEntry.objects.filter(
            fund=fund, event_time__gte=days.start, event_time__lt=days.end
        ).select_related("entry")
        if after:
            rows = rows.filter(event_time__gte=after[0]).filter(
                Q(event_time__gt=after[0]) | Q(seq__gt=after[1])
            )
        page = list(rows.order_by("event_time", "seq")[:chunk])
        yield from page
        if len(page) < chunk:
            return
        after = (page[-1].event_time, page[-1].seq)


def fund_day_span(fund: Fund) -> tuple[date, date] | None:
    """The fund's first and last day with entries, or None before its first entry."""
    span = FundDay.objects.filter(fund=fund).aggregate(first=Min("day"), last=Max("day"))
    return (span["first"], span["last"]) if span["first"] else None


def span_months(span: tuple[date, date] | None) -> list[date]:
    """First days of every month from the span's first to its last day."""
    if span is None:
        return []
    months, month = [], span[0].replace(day=1)
    while month <= span[1]:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def fund_latest_entries(fund: Fund, *, limit: int) -> list[FundEntry]:
    rows = FundEntry.objects.filter(fund=fund).select_related("entry")
    return list(rows.order_by("-event_time", "-seq")[:limit])


@dataclass
class Statement:
    """A fund's month: what a public disclosure states, reproducible from the ledger."""

    fund: Fund
    month: date
    opening: int = 0
    closing: int = 0
    inflows: dict[str, int] = field(default_factory=dict)
    outflows: dict[str, int] = field(default_factory=dict)
    entries: int = 0
    first_entry: Entry | None = None
    last_entry: Entry | None = None

    @property
    def total_inflow(self) -> int:
        return sum(self.inflows.values())

    @property
    def total_outflow(self) -> int:
        return sum(self.outflows.values())


def month_parse(text: str, *, path: str = "month") -> date:
    try:
        month = datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise Invalid.field(path, f"must be a month as YYYY-MM, got {text!r}") from None
    return month


def fund_statement(fund: Fund, *, month: date) -> Statement:
    """Opening, flows by kind, closing, entry count and the seq/hash span of one month."""
    last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    days = DayRange(month, last_day)
    statement = Statement(fund=fund, month=month)
    statement.opening = (
        FundDay.objects.filter(fund=fund, day__lt=month)
        .order_by("-day")
        .values_list("closing", flat=True)
        .first()
        or 0
    )
    rows = list(FundDay.objects.filter(fund=fund, day__gte=month, day__lte=last_day))
    statement.closing = rows[-1].closing if rows else statement.opening
    statement.entries = sum(row.entries for row in rows)
    for total in fund_kind_totals(fund, days=days):
        if total.inflow:
            statement.inflows[total.kind] = total.inflow
        if total.outflow:
            statement.outflows[total.kind] = total.outflow
    if rows:
        span = Entry.objects.filter(
            seq__in=[min(r.first_seq for r in rows), max(r.last_seq for r in rows)]
        ).order_by("seq")
        found = list(span)
        statement.first_entry, statement.last_entry = found[0], found[-1]
    return statement
