"""Reading model columns with hand-written SQL, converted exactly as the ORM converts them.

The one-by-one settlement spends its time building ORM statements (≈ 1.5 M instructions
each), not running them, so its fixed reads are SQL written once (decision 036). What comes
back must still be what ``values_list`` or ``select_related`` would give: an amount as
``int``, a SQLite timestamp as an aware ``datetime``. A ``Columns`` applies each field's
database converters, worked out once per process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, partial

from django.db import connection, models


class Columns:
    """Some columns of one model (attribute names, e.g. ``market_id``): their SQL and their
    converters."""

    def __init__(self, model: type[models.Model], names: Sequence[str] | None = None):
        by_name = {field.attname: field for field in model._meta.concrete_fields}
        fields = [by_name[name] for name in names] if names else model._meta.concrete_fields
        self.model = model
        self.fields = fields
        self._converters: list[tuple[int, list[Callable]]] | None = None
        self._sql: dict[str, str] = {}

    def sql(self, alias: str) -> str:
        """The columns' SQL, as ``alias.column, …``."""
        found = self._sql.get(alias)
        if found is None:
            quote = connection.ops.quote_name
            found = self._sql[alias] = ", ".join(f"{alias}.{quote(f.column)}" for f in self.fields)
        return found

    def _prepare(self) -> list[tuple[int, list[Callable]]]:
        if self._converters is None:
            table = self.model._meta.db_table
            self._converters = []
            for index, field in enumerate(self.fields):
                column = field.get_col(table)
                found = connection.ops.get_db_converters(column) + column.get_db_converters(
                    connection
                )
                if found:
                    self._converters.append((index, [(c, column) for c in found]))
        return self._converters

    def convert(self, row: Sequence) -> list:
        """The row's values (this model's columns only) as the ORM would return them."""
        values = list(row)
        for index, converters in self._prepare():
            for converter, column in converters:
                values[index] = converter(values[index], column, connection)
        return values

    def instance(self, row: Sequence) -> models.Model:
        """A loaded instance (all concrete columns), the way ``select_related`` builds one."""
        return self.model.from_db(connection.alias, None, self.convert(row))


@cache
def columns(model: type[models.Model], names: tuple[str, ...] | None = None) -> Columns:
    return Columns(model, names)


@cache
def _defaults(model: type[models.Model]) -> list[tuple[str, Callable[[], object]]]:
    """Each concrete field's attribute name and what makes its default: a callable default
    makes a fresh value for every instance, any other is one value shared by all."""
    made = []
    for field in model._meta.concrete_fields:
        if callable(field.default):
            made.append((field.attname, field.get_default))
        else:
            made.append((field.attname, partial(_same, field.get_default())))
    return made


def _same(value: object) -> object:
    return value


def unsaved(model: type[models.Model], **values) -> models.Model:
    """An unsaved instance from attribute values (``market_id``, not ``market``), built from
    positional values in column order as Django builds a loaded row: keyword construction
    costs about four times as much, which a batch building thousands of instances feels.
    Fields not given take their default (decision 029)."""
    return model(
        *[values[name] if name in values else default() for name, default in _defaults(model)]
    )
