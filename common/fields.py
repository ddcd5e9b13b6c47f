"""Exact integer amounts in an asset's smallest unit, on both supported databases.

PostgreSQL stores them as NUMERIC(78,0) (enough for any uint256). SQLite would turn a decimal
column above 2**63 into a float, so there the value is stored as text and converted back to a
Python ``int``; sums over such a column must be done in Python (or on PostgreSQL), never by
SQLite's ``SUM``, which would also go through floats.
"""

from __future__ import annotations

from decimal import Decimal

from django.core import checks, exceptions
from django.db import models

AMOUNT_DIGITS = 78


def to_amount(value: object, *, field: str = "amount") -> int:
    """Parse an amount given as ``int`` or an integer string; anything else is refused.

    Floats and Decimals with a fraction are rejected rather than rounded: an amount that is
    not exact is a caller bug, never something to guess at.
    """
    if isinstance(value, bool):
        raise exceptions.ValidationError({field: "must be an integer amount, not a boolean"})
    if isinstance(value, int):
        amount = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isdigit() or not digits.isascii():
            raise exceptions.ValidationError(
                {field: f"must be an integer string in the smallest unit, got {value!r}"}
            )
        amount = int(text)
    elif isinstance(value, Decimal) and value == value.to_integral_value():
        amount = int(value)
    else:
        raise exceptions.ValidationError(
            {field: f"must be an integer amount (int or string), got {type(value).__name__}"}
        )
    if abs(amount) >= 10**AMOUNT_DIGITS:
        raise exceptions.ValidationError(
            {field: f"is out of range (more than {AMOUNT_DIGITS} digits)"}
        )
    return amount


class AmountField(models.Field):
    description = "Exact integer amount in the smallest unit"

    def db_type(self, connection) -> str:
        if connection.vendor == "postgresql":
            return f"numeric({AMOUNT_DIGITS},0)"
        return "text"

    def get_internal_type(self) -> str:
        return "AmountField"

    def rel_db_type(self, connection) -> str:
        return self.db_type(connection)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return int(value)

    def to_python(self, value):
        if value is None:
            return None
        return to_amount(value, field=self.name or "amount")

    def get_prep_value(self, value):
        if value is None:
            return None
        return to_amount(value, field=self.name or "amount")

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None:
            return None
        if connection.vendor == "postgresql":
            return Decimal(value)
        return str(value)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.has_default() and isinstance(self.default, float):
            errors.append(checks.Error("AmountField default must be an int", obj=self))
        return errors
