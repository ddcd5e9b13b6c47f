"""The governable parameter registry.

Each app declares its parameters in its own ``params.py`` by calling :func:`declare`. A
declaration fixes the type, default, allowed scopes, bounds, the largest change one proposal
may make, and the unit. Values live in versioned rows (``ParamValue``) and are read through
``governance.selectors.params``; nothing else may change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured

from common.exceptions import Invalid

Kind = Literal["decimal", "amount", "int", "duration", "choice", "bool"]
LEVELS = ("global", "fund", "market")


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    default: Any
    help: str
    unit: str = ""
    scopes: tuple[str, ...] = ("global",)
    min: Any = None
    max: Any = None
    max_step: Any = None
    choices: tuple[str, ...] = ()
    nullable: bool = False
    app: str = field(default="", compare=False)

    def parse(self, raw: Any, *, path: str | None = None) -> Any:
        """Parse a value from its JSON/text form (strings for numbers), checking type and bounds."""
        path = path or self.name
        if raw is None or raw == "":
            if self.nullable:
                return None
            raise Invalid.field(path, "a value is required (this parameter cannot be unset)")
        value = self._parse_kind(raw, path)
        self._check_bounds(value, path)
        return value

    def _parse_kind(self, raw: Any, path: str) -> Any:
        if isinstance(raw, float):
            raise Invalid.field(path, "give numbers as strings, not floats")
        if self.kind == "decimal":
            try:
                value = Decimal(str(raw))
            except InvalidOperation:
                raise Invalid.field(path, f"must be a decimal number, got {raw!r}") from None
            if not value.is_finite():
                raise Invalid.field(path, "must be a finite number")
            return value
        if self.kind in ("amount", "int", "duration"):
            text = str(raw).strip()
            digits = text[1:] if text[:1] == "-" else text
            if isinstance(raw, bool) or not digits.isdigit():
                raise Invalid.field(path, f"must be an integer, got {raw!r}")
            return int(text)
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("true", "1"):
                return True
            if str(raw).lower() in ("false", "0"):
                return False
            raise Invalid.field(path, f"must be true or false, got {raw!r}")
        if self.kind == "choice":
            if raw not in self.choices:
                raise Invalid.field(path, f"must be one of {', '.join(self.choices)}, got {raw!r}")
            return raw
        raise ImproperlyConfigured(f"unknown parameter kind {self.kind!r}")

    def _check_bounds(self, value: Any, path: str) -> None:
        if self.min is not None and value < self.min:
            raise Invalid.field(
                path, f"{value} is below the minimum {self.min} {self.unit}".strip()
            )
        if self.max is not None and value > self.max:
            raise Invalid.field(
                path, f"{value} is above the maximum {self.max} {self.unit}".strip()
            )

    def check_step(self, old: Any, new: Any, *, path: str | None = None) -> None:
        """Refuse a change larger than ``max_step`` in one proposal (Aave risk-steward style)."""
        if self.max_step is None or old is None or new is None:
            return
        if abs(new - old) > self.max_step:
            raise Invalid.field(
                path or self.name,
                f"change from {old} to {new} exceeds the "
                f"largest step one proposal may make ({self.max_step})",
            )

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        if self.kind == "bool":
            return "true" if value else "false"
        return str(value)


REGISTRY: dict[str, Param] = {}


def declare(*params: Param, app: str) -> None:
    """Register an app's parameters; any inconsistency is an error at start-up."""
    for param in params:
        if param.name in REGISTRY and REGISTRY[param.name].app != app:
            raise ImproperlyConfigured(f"parameter {param.name!r} declared twice")
        bad_levels = set(param.scopes) - set(LEVELS)
        if bad_levels or not param.scopes:
            raise ImproperlyConfigured(f"parameter {param.name!r}: bad scopes {param.scopes}")
        if param.kind == "choice" and param.default not in param.choices:
            raise ImproperlyConfigured(f"parameter {param.name!r}: default not among choices")
        if param.default is None and not param.nullable:
            raise ImproperlyConfigured(f"parameter {param.name!r}: no default and not nullable")
        if param.default is not None and param.kind != "choice":
            low_ok = param.min is None or param.default >= param.min
            high_ok = param.max is None or param.default <= param.max
            if not (low_ok and high_ok):
                raise ImproperlyConfigured(
                    f"parameter {param.name!r}: default {param.default} outside its bounds "
                    f"[{param.min}, {param.max}]"
                )
        if param.default is not None:
            # The default must be a value of its own kind (e.g. a Decimal, not a float).
            try:
                same = param.parse(param.serialize(param.default)) == param.default
            except Invalid as exc:
                raise ImproperlyConfigured(
                    f"parameter {param.name!r}: default {param.default!r}: {exc.message}"
                ) from None
            if not same or isinstance(param.default, float):
                raise ImproperlyConfigured(
                    f"parameter {param.name!r}: default {param.default!r} is not a {param.kind}"
                )
        REGISTRY[param.name] = Param(**{**param.__dict__, "app": app})


def param_lookup(name: str, *, path: str = "name") -> Param:
    try:
        return REGISTRY[name]
    except KeyError:
        raise Invalid.field(path, f"unknown parameter {name!r}") from None


def scope_level(scope: str, *, path: str = "scope") -> str:
    """'global' | 'fund' | 'market' from a scope string ('global', 'fund:main', …)."""
    if scope == "global":
        return "global"
    level, _, name = scope.partition(":")
    if level not in ("fund", "market") or not name:
        raise Invalid.field(
            path, f"scope must be 'global', 'fund:NAME' or 'market:SYMBOL', got {scope!r}"
        )
    return level
