"""Showing exact integer amounts in whole units: string arithmetic, never a float."""

from django import template

register = template.Library()


@register.filter
def units(amount, decimals) -> str:
    """``1234567890|units:6`` → ``1,234.56789``: every digit kept, at least two decimals shown.

    The amount is split with integer division by 10**decimals, so nothing is rounded; trailing
    zeros of the fraction are dropped down to two places for readability.
    """
    amount, decimals = int(amount), int(decimals)
    whole, fraction = divmod(abs(amount), 10**decimals)
    text = f"{whole:,}"
    if decimals:
        digits = str(fraction).rjust(decimals, "0").rstrip("0")
        text += "." + digits.ljust(min(2, decimals), "0")
    return f"-{text}" if amount < 0 else text


@register.filter
def kind_label(kind: str) -> str:
    """``shortfall_cover`` → ``shortfall cover``."""
    return str(kind).replace("_", " ")
