"""Showing prices, risk modes and ADL lights on clearing pages."""

from django import template

from clearing.formulas import price_text

register = template.Library()

MODE_CLASS = {"normal": "ok", "restricted": "warn", "reduce_only": "error"}


@register.filter
def price(value) -> str:
    """A Decimal price as plain digits (18000, not 1.8E+4); empty for None."""
    return price_text(value) if value is not None else ""


@register.filter
def mode_class(mode: str) -> str:
    return MODE_CLASS.get(mode, "")


@register.filter
def lights(quintile: int) -> str:
    """``3`` → ``●●●○○``: the position's ADL quintile as five lights."""
    return "●" * int(quintile) + "○" * (5 - int(quintile))
