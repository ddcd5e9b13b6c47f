"""Writing ledger rows in bulk: COPY on PostgreSQL, multi-row INSERT elsewhere.

The batched posting path writes thousands of entries, postings and fund-history rows per
transaction. Django's ``bulk_create`` builds a model instance per row and prepares every value
through the field API; psycopg's COPY streams plain tuples and is several times faster
(decision 013). Values are ints, strings, aware datetimes, None, and JSON as text, which is
all the ledger tables hold. Triggers and constraints apply to COPY exactly as to INSERT.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models

SMALL = 50  # rows up to which one INSERT beats COPY


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve ``count`` primary keys from the table's identity sequence (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def rows_insert(model: type[models.Model], fields: list[str], rows: Sequence[Sequence]) -> None:
    """Insert ``rows`` of values for ``fields`` (attribute names, e.g. ``entry_id``)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows])
        return
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(by_attname[name].column) for name in fields)
    json_at = [i for i, n in enumerate(fields) if isinstance(by_attname[n], models.JSONField)]
    table = connection.ops.quote_name(meta.db_table)
    if json_at:
        rows = [
            [json.dumps(v) if i in json_at and v is not None else v for i, v in enumerate(row)]
            for row in rows
        ]
    with connection.cursor() as cursor:
        if len(rows) <= SMALL:  # one round trip; COPY needs a start, the data and an end
            marks = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {marks}",  # noqa: S608 - model metadata
                [value for row in rows for value in row],
            )
            return
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
