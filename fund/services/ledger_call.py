"""A small booking on PostgreSQL, done by the server in one call (decision 019).

The single-entry path is bound by the chain-head lock, which orders every writer: whatever
the client does while holding it is the ledger's throughput. ``fund_entries_book``
(migration 0012) takes the lock, checks, chains and writes inside the server with plans it
keeps for the session, and in autocommit the call is its own transaction, so the lock is held
for one call and its commit. Python keeps what needs no lock: validating the input, encoding
each entry's content and digest, and turning the server's answer into errors with the same
fields and words as the Python path (``fund.services.ledger``), which big batches and SQLite
still use.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import psycopg
from django.db import connection

from fund.models import Entry
from fund.services.ledger_errors import key_conflict, no_account, overdraft
from fund.services.ledger_rows import ENTRY_FIELDS, instances

CALL = (
    "SELECT * FROM fund_entries_book(%s::text[], %s::text[], %s::bigint[], %s::timestamptz[],"
    " %s::text[], %s::text[], %s::text[], %s::text[], %s::timestamptz, %s::int[], %s::bigint[],"
    " %s::numeric[])"
)


def entries_book_call(
    *, new: Sequence[tuple], paths: Sequence[str], now: datetime
) -> tuple[list[Entry | int], dict[int, int]]:
    """Book ``new`` — (EntryInput, amounts, digest, encoded content) per distinct key — in one
    server call. Returns, per input, the new Entry or the id of the entry already booked
    under its key with the same content; and each touched account's balance after."""
    columns: list[list] = [[] for _ in range(8)]
    entry_at, accounts, amounts = [], [], []
    for position, (entry, entry_amounts, digest, text) in enumerate(new, start=1):
        data = json.dumps(entry.data) if entry.data is not None else None
        values = (entry.key, entry.kind, entry.fund.id if entry.fund else None, entry.event_time)
        for column, value in zip(
            columns, (*values, entry.memo, data, digest, text.decode()), strict=True
        ):
            column.append(value)
        for (account, _), amount in zip(entry.postings, entry_amounts, strict=True):
            entry_at.append(position)
            accounts.append(account.id)
            amounts.append(amount)
    params = [*map(_array, columns), now, *map(_array, (entry_at, accounts, amounts))]
    with _prepared_cursor() as cursor:
        cursor.execute(CALL, params)
        rows = cursor.fetchall()
        if any(row[0] == "retry" for row in rows):  # a key was booked meanwhile: now it is known
            cursor.execute(CALL, params)
            rows = cursor.fetchall()
    results: list[Entry | int | None] = [None] * len(new)
    balances: dict[int, int] = {}
    for tag, pos, n, pk, seq, prev, link, amount, detail in rows:
        if tag == "entry":
            entry, _, digest, _ = new[pos - 1]
            fund_id = entry.fund.id if entry.fund else None
            value = (pk, seq, entry.key, entry.kind, fund_id, entry.event_time, now, entry.memo,
                     entry.data, digest, prev, link)  # fmt: skip
            results[pos - 1] = instances(Entry, ENTRY_FIELDS, [value])[0]
        elif tag == "balance":
            balances[pk] = int(amount)
        elif tag == "known":
            results[pos - 1] = pk
        else:
            _refuse(tag, new[pos - 1], paths[pos - 1], n, amount, detail)
    return results, balances  # type: ignore[return-value]


def _array(values: list) -> str:
    """``values`` as a PostgreSQL array literal, every element quoted (None is NULL); the
    call casts it to its array type. psycopg's own array adaptation costs more Python than
    the rest of a single-entry booking, mostly in per-element regular expressions."""
    quoted = (
        "NULL"
        if value is None
        else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        for value in values
    )
    return "{" + ",".join(quoted) + "}"


class _PreparedCursor(psycopg.Cursor):
    """Binds on the server and prepares the call on its first use in a connection: the
    arrays travel as parameters instead of being quoted into the SQL by the client, and the
    server parses and plans the call once, not per booking."""

    def execute(self, query, params=None, **kwargs):  # type: ignore[override]
        return super().execute(query, params, prepare=True)


def _prepared_cursor():
    """A ``_PreparedCursor`` wrapped like Django's own cursors, so query logging, counting
    and execute wrappers still see the call."""
    connection.ensure_connection()
    raw = _PreparedCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _refuse(tag: str, item: tuple, path: str, index: int, before, detail: str) -> None:
    """The server wrote nothing; say why, as the Python path says it."""
    entry, amounts, _, _ = item
    if tag == "conflict":
        raise key_conflict(path, entry.key)
    if tag == "no_account":
        raise no_account(path, index)
    raise overdraft(path, index, detail, int(before), amounts[index])
