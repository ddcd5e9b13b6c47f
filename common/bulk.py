"""Writing many rows at once: inserting by COPY, and updating each with its own values.

``rows_copy`` takes JSON columns already encoded, so a caller that writes the same document
into thousands of rows (a settlement batch's parameter record) encodes it once; the ledger's
``rows_insert`` encodes every value of every row itself.


``QuerySet.bulk_update`` writes a ``CASE WHEN id = … THEN …`` per row and field and binds every
value separately, which is slow to build and to parse at a few thousand rows, and it cannot
tell whether a row still held what the caller read. ``rows_update`` sends one array per column
(``UPDATE … FROM unnest(…)``) on PostgreSQL, and matches each row on every ``match`` column,
so a row changed by another transaction since it was read is simply not updated: the count
returned tells the caller. Elsewhere (SQLite) it runs one parametrized UPDATE per row.
``update_statements`` builds those statements for a caller that sends them with its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

FEW = 50  # rows up to which one INSERT beats COPY


def rows_copy(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert ``rows`` (values of ``fields``, attribute names), JSON values as encoded text.

    PostgreSQL streams a batch with COPY and takes a few rows in one INSERT (COPY costs three
    round trips); elsewhere each row is one INSERT, every value but the JSON ones prepared by
    its field (on SQLite an amount is stored as text).
    """
    if not rows:
        return
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    chosen = [by_attname[name] for name in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in chosen)
    marks = "(" + ", ".join(["%s"] * len(chosen)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            prepared = [
                [
                    value
                    if isinstance(field, models.JSONField)
                    else field.get_db_prep_value(value, connection)
                    for field, value in zip(chosen, row, strict=True)
                ]
                for row in rows
            ]
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {marks}", prepared)  # noqa: S608
        elif len(rows) <= FEW:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(rows))}",  # noqa: S608
                [value for row in rows for value in row],
            )
        else:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def rows_update(
    model: type[models.Model],
    *,
    match: Sequence[str],
    fields: Sequence[str],
    rows: Sequence[Sequence],
) -> int:
    """Set ``fields`` on the rows whose ``match`` columns hold the given values (see
    ``update_statements``). Returns how many rows were updated."""
    updated = 0
    with connection.cursor() as cursor:
        for sql, params in update_statements(model, match=match, fields=fields, rows=rows):
            cursor.execute(sql, params)
            updated += cursor.rowcount
    return updated


def update_statements(
    model: type[models.Model],
    *,
    match: Sequence[str],
    fields: Sequence[str],
    rows: Sequence[Sequence],
) -> list[tuple[str, list]]:
    """The statements (SQL, parameters) that set ``fields`` on the rows whose ``match``
    columns hold the given values: one on PostgreSQL, one per row elsewhere. A caller that
    batches statements into one round trip (the ledger) sends them with its own.

    Each row is the values of ``match`` then of ``fields`` (attribute names, e.g. ``fund_id``;
    ``match`` values must not be NULL; the first ``match`` column should be indexed, the
    primary key say: it finds the rows).
    """
    if not rows:
        return []
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    names = [*match, *fields]
    prep = [by_attname[name] for name in names]
    values = [
        [field.get_db_prep_value(value, connection) for field, value in zip(prep, row, strict=True)]
        for row in rows
    ]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(field.column) for field in prep]
    if connection.vendor == "postgresql":
        aliases = [f"c{index}" for index in range(len(names))]
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in prep)
        sets = ", ".join(
            f"{column} = v.{alias}"
            for column, alias in zip(columns[len(match) :], aliases[len(match) :], strict=True)
        )
        where = " AND ".join(
            f"{table}.{column} = v.{alias}"
            for column, alias in zip(columns[: len(match)], aliases, strict=False)
        )
        # The first match column again, as a condition on the table alone: joined only to the
        # unnest, the planner hashed the whole table (a settlement batch's 2,000 positions
        # took a seq scan of 112,000 and a spill to disk, 140 ms; the ledger's balances of a
        # batch, 224,000 accounts); ``= ANY`` uses its index (decision 028).
        sql = (
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({', '.join(aliases)}) "  # noqa: S608 - model metadata
            f"WHERE {table}.{columns[0]} = ANY(%s::{prep[0].db_type(connection)}[]) AND {where}"
        )
        arrays_of = [list(column) for column in zip(*values, strict=True)]
        return [(sql, [*arrays_of, arrays_of[0]])]
    # SQLite keeps a decimal as a binary float and Django reads it back rounded to 15 digits,
    # so a decimal column cannot be matched exactly there; the other match columns still tell
    # a changed row, and SQLite has a single writer.
    exact = [i for i in range(len(match)) if not isinstance(prep[i], models.DecimalField)]
    sets = ", ".join(f"{column} = %s" for column in columns[len(match) :])
    where = " AND ".join(f"{columns[i]} = %s" for i in exact)
    sql = f"UPDATE {table} SET {sets} WHERE {where}"  # noqa: S608 - model metadata
    return [(sql, [*row[len(match) :], *(row[i] for i in exact)]) for row in values]
