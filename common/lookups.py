"""``field__any=[...]``: membership in a list sent as one array parameter on PostgreSQL.

``__in`` binds a placeholder per value; psycopg then splits and quotes a query of thousands of
parameters in Python, which cost a settlement batch more than the statements themselves.
``= ANY(%s)`` binds the list once. Other databases get the plain ``IN`` list.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, Lookup


@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection) for value in self.rhs]
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
