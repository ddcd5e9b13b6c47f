"""Writing ledger rows in bulk, and running a booking's statements in few round trips.

The batched posting path writes thousands of entries, postings and fund-history rows per
transaction. Django's ``bulk_create`` builds a model instance per row and prepares every value
through the field API; psycopg's COPY streams plain tuples and is several times faster
(decision 013). Values are ints, strings, aware datetimes, None, and JSON as text, which is
all the ledger tables hold. Triggers and constraints apply to COPY exactly as to INSERT.

The single-entry path is bound by round trips instead: every statement waits for the server
while the chain head is locked, and that lock orders every writer. ``statements_run`` sends a
list of statements in one round trip on PostgreSQL, so a booking
costs three round trips (reads, writes, commit) whatever its number of statements (decision 015).
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import signals
from django.db.models.base import ModelState

from common.bulk import update_statements
from fund.models import LedgerAccount

ENTRY_FIELDS = [  # Entry's concrete fields in declaration order (``instances`` needs them)
    "id",
    "seq",
    "key",
    "kind",
    "fund_id",
    "event_time",
    "created_at",
    "memo",
    "data",
    "digest",
    "prev_hash",
    "hash",
]
SMALL = 50  # rows up to which one INSERT beats COPY

Statement = tuple[str, Sequence]


def ids_statement(model: type[models.Model], count: int) -> Statement:
    """The statement reserving ``count`` primary keys of ``model``'s table, one per row.

    PostgreSQL takes them from the identity sequence; SQLite, whose one writer holds the
    chain head, counts on from the largest id.
    """
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        # The sequence is looked up once, not per row: ``nextval(pg_get_serial_sequence(…))``
        # resolved it for each of the thousands of ids (10 ms of a 5,000-entry batch).
        return (
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq)"
            " SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [table, count],
        )
    counted = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
    return counted + f"SELECT (SELECT COALESCE(MAX(id), 0) FROM {table}) + i FROM n", [count]  # noqa: S608


@dataclass(frozen=True)
class _Layout:
    """How rows of ``fields`` of a model are written: built once per (model, fields), since
    every lookup through Django's connection proxy costs as much as a small statement."""

    table: str
    columns: str
    names: dict[str, str]
    fields: tuple[models.Field, ...]
    json_at: frozenset[int]
    types: tuple[str, ...]  # the columns' type names without modifiers, for binary COPY


@functools.cache
def _layout(model: type[models.Model], fields: tuple[str, ...]) -> _Layout:
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    chosen = tuple(by_attname[name] for name in fields)
    quote = connection.ops.quote_name
    return _Layout(
        table=quote(model._meta.db_table),
        columns=", ".join(quote(field.column) for field in chosen),
        names={name: quote(field.column) for name, field in by_attname.items()},
        fields=chosen,
        json_at=frozenset(i for i, f in enumerate(chosen) if isinstance(f, models.JSONField)),
        types=tuple(field.db_type(connection).partition("(")[0] for field in chosen),
    )


def _plain(layout: _Layout, rows: Sequence[Sequence], postgres: bool) -> Sequence[Sequence]:
    """Rows as the driver takes them: JSON as text, and on SQLite amounts as text too."""
    if postgres:
        if not layout.json_at:
            return rows
        return [
            [
                json.dumps(v) if i in layout.json_at and v is not None else v
                for i, v in enumerate(row)
            ]
            for row in rows
        ]
    return [
        [f.get_db_prep_value(v, connection) for f, v in zip(layout.fields, row, strict=True)]
        for row in rows
    ]


def rows_statement(
    model: type[models.Model],
    fields: list[str],
    rows: Sequence[Sequence],
    *,
    upsert: tuple[list[str], list[str]] | None = None,
) -> Statement:
    """One multi-row INSERT of ``rows`` (values for ``fields``, attribute names).

    ``upsert=(conflict_fields, update_fields)`` turns a conflicting row into an update that
    takes the new values (both backends spell it ``ON CONFLICT … DO UPDATE``).
    """
    layout = _layout(model, tuple(fields))
    marks = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    sql = f"INSERT INTO {layout.table} ({layout.columns}) VALUES {marks}"  # noqa: S608
    if upsert:
        conflict, update = upsert
        names = layout.names
        sets = ", ".join(f"{names[n]} = excluded.{names[n]}" for n in update)
        sql += f" ON CONFLICT ({', '.join(names[n] for n in conflict)}) DO UPDATE SET {sets}"
    postgres = connection.vendor == "postgresql"
    return sql, [value for row in _plain(layout, rows, postgres) for value in row]


def rows_insert(model: type[models.Model], fields: list[str], rows: Sequence[Sequence]) -> None:
    """Insert ``rows`` of values for ``fields`` (attribute names, e.g. ``entry_id``)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        size = max(1, 999 // len(fields))  # SQLite's limit on parameters per statement
        statements_run(
            [rows_statement(model, fields, rows[i : i + size]) for i in range(0, len(rows), size)]
        )
        return
    if len(rows) <= SMALL:
        statements_run([rows_statement(model, fields, rows)])
        return
    with rows_copy(model, fields) as write:
        for row in rows:
            write(row)


@contextlib.contextmanager
def rows_copy(model: type[models.Model], fields: list[str]) -> Iterator[Callable[[Sequence], None]]:
    """COPY into ``model``'s table (PostgreSQL only): yields the function writing one row of
    values for ``fields`` (JSON fields as Python values), and ends the COPY when the block ends.

    Rows go to the server in 32 KB pieces as they are written, and the server inserts them
    while the block goes on: work the caller does inside the block, after its last row,
    overlaps the server's (decision 017). The statement's triggers run when the block ends.
    The rows travel in binary, typed by the columns: the driver packs ints, amounts and times
    in C and the server reads them without parsing text (a 5,000-entry batch's entries and
    postings: 15 → 4 ms of client CPU, half the COPY's time on the server).
    """
    layout = _layout(model, tuple(fields))
    with connection.cursor() as cursor:
        sql = f"COPY {layout.table} ({layout.columns}) FROM STDIN (FORMAT BINARY)"
        with cursor.cursor.copy(sql) as copy:
            copy.set_types(layout.types)
            yield copy.write_row


def instances(model: type[models.Model], fields: list[str], rows: Sequence[Sequence]) -> list:
    """Model instances of whole rows just written, as ``Model.from_db`` builds loaded rows,
    without ``__init__``'s per-field descriptor calls (a tenth of a 5,000-entry batch's Python
    went there). ``fields`` are attribute names of every concrete field. Models with
    ``pre_init``/``post_init`` receivers get the full constructor."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return [model.from_db(connection.alias, fields, row) for row in rows]
    alias, new = connection.alias, model.__new__
    out = []
    for row in rows:
        instance = new(model)
        instance.__dict__.update(zip(fields, row, strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, alias
        out.append(instance)
    return out


def balances_statements(balances: dict[int, int]) -> list[Statement]:
    """Set the cached balance of each ledger account in ``balances`` (id -> new balance): one
    statement on PostgreSQL, the accounts found by primary key (decision 028)."""
    return update_statements(
        LedgerAccount, match=["id"], fields=["balance"], rows=list(balances.items())
    )


def writes_run(
    inserts: Sequence[tuple[type[models.Model], list[str], Sequence[Sequence]]],
    statements: Sequence[Statement],
) -> None:
    """Insert the row sets in order, then run ``statements``: one round trip for all of it
    when every row set is small, COPY for each large one first otherwise."""
    small = connection.vendor == "postgresql" and all(len(rows) <= SMALL for _, _, rows in inserts)
    if not small:
        for model, fields, rows in inserts:
            rows_insert(model, fields, rows)
        statements_run(statements)
        return
    statements_run(
        [rows_statement(model, fields, rows) for model, fields, rows in inserts if rows]
        + list(statements)
    )


def statements_run(statements: Sequence[Statement]) -> list[list[tuple]]:
    """Run ``statements`` in order and return each one's rows (``[]`` when it has none).

    On PostgreSQL they go as one query string in one round trip: Django binds parameters on
    the client (its default), so several statements can share a query, and the server runs
    them one after the other, each with its own snapshot as usual in READ COMMITTED, stopping
    at the first error. (psycopg's pipeline mode measured twice as slow for a handful of
    small statements.) SQLite runs them one by one.
    """
    results = []
    with connection.cursor() as wrapper:
        if connection.vendor != "postgresql":
            for sql, params in statements:
                wrapper.execute(sql, params)
                results.append(wrapper.fetchall() if wrapper.description else [])
            return results
        wrapper.execute(
            ";\n".join(sql for sql, _ in statements), [p for _, ps in statements for p in ps]
        )
        cursor = wrapper.cursor  # the driver's own, for the results: no proxy per call
        while True:
            results.append(cursor.fetchall() if cursor.description else [])
            if not cursor.nextset():
                return results
