"""Migrations that install PostgreSQL-only SQL (triggers) kept in sibling ``.sql`` files.

A file holds the forward SQL, then a line ``--- reverse:`` and the reverse SQL. On SQLite the
operation does nothing: there the services enforce the same rules.
"""

from __future__ import annotations

from pathlib import Path

from django.db import migrations


def postgres_sql(path: Path, *, reverse_to: Path | None = None) -> migrations.RunPython:
    """``reverse_to``: a migration that replaces a function whole is reversed by the forward
    SQL of the file that installed the earlier version, instead of a copy of it."""
    forward, _, reverse = path.read_text().partition("--- reverse:")
    if reverse_to is not None:
        reverse = reverse_to.read_text().partition("--- reverse:")[0]

    def apply(sql: str):
        def run(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql" and sql.strip():
                # Plain cursor without parameters: the SQL may contain plpgsql's own '%'.
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute(sql)

        return run

    return migrations.RunPython(apply(forward), apply(reverse))
