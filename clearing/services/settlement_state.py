"""What settling reads about a market and its fund, read once per batch and kept current.

A batch of settlements posts all its journal entries with one ``ledger_entries_post`` at the
end, so while later liquidations of the batch are decided the database does not yet show the
earlier ones. ``FundState`` carries them in memory: the fund balance moves by each
``fund_delta``, the cover paid counts toward the rolling 24 h cap, and the opposite side's
book (ranked for ADL once per batch) moves with every ADL match and socialized charge; the
positions it changed are written once, at the end. Settling one liquidation is a batch of
one through the same code, so both paths decide from the same numbers
(tests/settlement/test_batch.py proves equal books and settlement rows).

Parameter readings are taken at the batch's first and last event times: when both find the
same versions, no version took effect in between, so that one reading holds for the whole
batch (decision 033); otherwise they are read per event time. The cover paid in the last 24 h
is only read when a daily cap is in force (decision 032); without one it plays no part in the
waterfall and is recorded as 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from clearing.adl import AdlBook, Holder, HolderValuer
from clearing.models import Liquidation, Market, MarkPrice, Position
from clearing.selectors import BookRow, fund_paid_24h, open_book
from clearing.selectors.rows import columns, unsaved
from clearing.services.positions import position_prices_refresh
from clearing.waterfall import FundLimits
from common.bulk import rows_update
from common.exceptions import LockTimeout
from common.locking import advisory_lock
from fund.models import LedgerAccount
from governance.models import ParamValue
from governance.selectors.params import (
    ParamReading,
    param_readings,
    param_readings_of,
    param_scopes,
)

DUE = (  # what deciding reads of a liquidation
    "id",
    "position_id",
    "account",
    "side",
    "qty",
    "entry_price",
    "margin",
    "liquidation_price",
    "bankruptcy_price",
    "close_price",
    "closed_at",
)
Due = NamedTuple("Due", [(name, object) for name in DUE])
PARAMS = (
    "max_liquidation_fee_rate",
    "adl_policy",
    "reserve_floor",
    "payout_cap_per_event",
    "daily_payout_cap",
)


@dataclass(frozen=True)
class Rules:
    """The parameters in force at an event time, and their record for the Settlement row."""

    readings: dict[str, ParamReading]
    record_json: str  # name → value, scope and version id, as JSON

    @classmethod
    def of(cls, readings: dict[str, ParamReading]) -> Rules:
        record = {
            name: {
                "value": None if reading.value is None else str(reading.value),
                "scope": reading.scope,
                "version_id": reading.version_id,
            }
            for name, reading in readings.items()
        }
        return cls(readings, json.dumps(record))

    def versions(self) -> list[tuple[str, int | None]]:
        return [(reading.scope, reading.version_id) for reading in self.readings.values()]


class Opening(NamedTuple):
    """What a batch starts from, read right after its fund was locked."""

    due: list[Due]  # the market's closed liquidations to settle, in settling order, locked
    balance: int  # the fund's cached balance
    mark: Decimal | None  # the market's last accepted mark
    # ParamValue rows of ``PARAMS`` in force up to the last due close (id, name, scope, value,
    # effective_at; newest first), when that close was known before the read; else None
    params: list[tuple] | None = None


def settlement_open(
    market: Market,
    *,
    limit: int | None = None,
    through: tuple[datetime, int] | None = None,
    skip_busy: bool = False,
) -> Opening:
    """Lock ``market``'s fund, then read its closed liquidations in ``(closed_at, id)`` order
    (the first ``limit``, or those up to ``through``), the fund's balance and the last mark.
    With ``skip_busy``, a market that another ``skip_busy`` batch is settling raises
    ``LockBusy`` at once (decision 039); the fund's lock is waited for as always.

    On PostgreSQL this is one round trip (decision 036); the liquidation rows are locked
    (``FOR UPDATE``), the market, fund and asset rows are not (fills and the ledger check
    foreign keys against them; locking them deadlocked ingest against us).
    """
    due = columns(Liquidation, DUE)
    closed_at = Liquidation._meta.get_field("closed_at")
    sql = (
        f"SELECT {due.sql('l')} FROM {Liquidation._meta.db_table} l "  # noqa: S608 - model metadata
        "WHERE l.market_id = %s AND l.status = %s"
    )
    params: list = [market.pk, Liquidation.Status.CLOSED]
    if through is not None:
        at = closed_at.get_db_prep_value(through[0], connection)
        sql += " AND (l.closed_at < %s OR (l.closed_at = %s AND l.id <= %s))"
        params += [at, at, through[1]]
    sql += " ORDER BY l.closed_at, l.id"
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    balance, price = columns(LedgerAccount, ("balance",)), columns(MarkPrice, ("price",))
    state = (
        f"SELECT (SELECT {balance.sql('a')} FROM {LedgerAccount._meta.db_table} a "  # noqa: S608
        "WHERE a.kind = %s AND a.fund_id = %s AND a.asset_id = %s ORDER BY a.id LIMIT 1), "
        f"(SELECT {price.sql('m')} FROM {MarkPrice._meta.db_table} m "
        "WHERE m.market_id = %s AND m.accepted = %s ORDER BY m.ts DESC, m.id DESC LIMIT 1)"
    )
    fund = market.fund
    reads = [
        (sql, params),
        (state, [LedgerAccount.Kind.FUND, fund.pk, fund.asset_id, market.pk, True]),
    ]
    versions = columns(ParamValue, ("id", "name", "scope", "value", "effective_at"))
    if through is not None and connection.vendor == "postgresql":
        # The one-by-one path knows its last close before reading: the parameter versions
        # in force up to it come in the same round trip (decision 036).
        scopes = param_scopes(PARAMS, market=market.symbol, fund=fund.name)
        reads.append(
            (
                f"SELECT {versions.sql('p')} FROM {ParamValue._meta.db_table} p "  # noqa: S608
                "WHERE p.name = ANY(%s) AND p.scope = ANY(%s) AND p.effective_at <= %s "
                "ORDER BY p.effective_at DESC, p.id DESC",
                [list(PARAMS), scopes, through[0]],
            )
        )
    rows, ((fund_balance, mark),), *in_force = advisory_lock(
        f"fund:{fund.pk}",
        then=reads,
        unless_busy=f"settling:market:{market.pk}" if skip_busy else None,
    )
    return Opening(
        due=[Due(*due.convert(row)) for row in rows],
        balance=balance.convert([fund_balance])[0] or 0,
        mark=price.convert([mark])[0],
        params=[versions.convert(row) for row in in_force[0]] if in_force else None,
    )


@dataclass
class FundState:
    market: Market
    balance: int
    mark: Decimal | None
    _rules: dict[datetime, Rules] = field(default_factory=dict)
    _steady: Rules | None = None
    _versions: list[tuple] | None = None  # ``Opening.params``
    _covers: list[tuple[datetime, int]] = field(default_factory=list)
    _books: dict[str, OppositeBook] = field(default_factory=dict)

    @classmethod
    def read(cls, market: Market, *, opening: Opening) -> FundState:
        """The state before a batch: ``opening``'s balance and mark, and the parameters in
        force from its first event time to its last."""
        state = cls(
            market=market, balance=opening.balance, mark=opening.mark, _versions=opening.params
        )
        first = state.rules(opening.due[0].closed_at)
        if first.versions() == state.rules(opening.due[-1].closed_at).versions():
            state._steady = first
        return state

    def rules(self, at: datetime) -> Rules:
        if self._steady is not None:
            return self._steady
        cached = self._rules.get(at)
        if cached is None:
            scope = {"market": self.market.symbol, "fund": self.market.fund.name}
            if self._versions is None:
                readings = param_readings(PARAMS, at=at, **scope)
            else:
                in_force = (row[:4] for row in self._versions if row[4] <= at)
                readings = param_readings_of(in_force, PARAMS, **scope)
            cached = self._rules[at] = Rules.of(readings)
        return cached

    def limits(self, readings: dict[str, ParamReading], at: datetime) -> FundLimits:
        daily_cap = readings["daily_payout_cap"].value
        return FundLimits(
            balance=self.balance,
            reserve_floor=readings["reserve_floor"].value,
            cap_event=readings["payout_cap_per_event"].value,
            daily_cap=daily_cap,
            paid_24h=0 if daily_cap is None else self._paid_24h(at),
        )

    def _paid_24h(self, at: datetime) -> int:
        since = at - timedelta(hours=24)
        unbooked = sum(cover for moment, cover in self._covers if since < moment <= at)
        return fund_paid_24h(self.market.fund, at=at) + unbooked

    def record(self, *, fund_delta: int, at: datetime) -> None:
        """Account for a decided settlement whose entries are not posted yet."""
        self.balance += fund_delta
        if fund_delta < 0:
            self._covers.append((at, -fund_delta))

    def book(self, side: str) -> OppositeBook:
        """The open positions of ``side`` at the last mark, read at the first need."""
        if side not in self._books:
            self._books[side] = OppositeBook(self.market, side=side, mark=self.mark)
        return self._books[side]

    def positions_save(self) -> None:
        for book in self._books.values():
            book.save()


class OppositeBook:
    """One side's open positions as ADL and socialized losses see them during a batch.

    Positions are built only when a match or charge changes them; ``moved`` re-ranks the
    changed one, and ``save`` writes them all at once, each only if it still holds what was
    read (a fill may have changed it meanwhile: the batch then rolls back and is retried).
    """

    def __init__(self, market: Market, *, side: str, mark: Decimal | None):
        self.market, self.side, self.mark = market, side, mark
        self._rows: dict[int, BookRow] = {}
        if mark is not None:
            self._rows = {row.id: row for row in open_book(market, side=side)}
            self._value = HolderValuer(market.contract, mark, side=side)
        self.adl = AdlBook(
            self._holder(row, row.qty, row.entry_price, row.margin) for row in self._rows.values()
        )
        self._changed: dict[int, Position] = {}

    def _holder(self, row: BookRow, qty: Decimal, entry: Decimal, margin: int) -> Holder:
        return self._value(row.id, row.account, row.opened, qty, entry, margin)

    def position(self, ref: int) -> Position:
        """The position behind a holder, to change (then call ``moved``)."""
        position = self._changed.get(ref)
        if position is None:
            row = self._rows[ref]
            # Positional construction (``unsaved``): a batch builds one per position it moves.
            position = self._changed[ref] = unsaved(
                Position,
                id=row.id,
                account=row.account,
                market_id=self.market.pk,
                side=self.side,
                qty=row.qty,
                margin=row.margin,
                entry_price=row.entry_price,
                status=Position.Status.OPEN,
            )
            Position.market.field.set_cached_value(position, self.market)
        return position

    def moved(self, position: Position) -> None:
        row = self._rows[position.pk]
        self.adl.replace(self._holder(row, position.qty, position.entry_price, position.margin))

    def save(self) -> None:
        if not self._changed:
            return
        now = timezone.now()
        for position in self._changed.values():
            position_prices_refresh(position, self.market)
        rows = [
            (
                pk,
                self._rows[pk].qty,
                self._rows[pk].margin,
                self._rows[pk].entry_price,
                Position.Status.OPEN,
                p.qty,
                p.margin,
                p.entry_price,
                p.liquidation_price,
                p.bankruptcy_price,
                p.trigger_key,
                p.status,
                now,
            )
            for pk, p in self._changed.items()
        ]
        updated = rows_update(
            Position,
            match=["id", "qty", "margin", "entry_price", "status"],
            fields=[
                "qty",
                "margin",
                "entry_price",
                "liquidation_price",
                "bankruptcy_price",
                "trigger_key",
                "status",
                "updated_at",
            ],
            rows=rows,
        )
        if updated != len(rows):
            raise LockTimeout(
                f"busy: {len(rows) - updated} {self.side} positions of {self.market.symbol} "
                "changed while they were being settled against; retry"
            )
        self._changed.clear()
