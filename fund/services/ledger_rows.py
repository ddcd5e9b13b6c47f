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
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = None if row[i] is None else json.dumps(row[i])
            copy.write_row(row)
