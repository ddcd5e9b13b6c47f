"""Reading the value of a governed parameter in force for a scope at a moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from governance.models import ParamValue
from governance.registry import Param, param_lookup


@dataclass(frozen=True)
class ParamReading:
    """A value with where it came from, so a settlement can record the version it used."""

    name: str
    value: Any
    scope: str  # the scope the value was found at, or "default"
    version_id: int | None  # the ParamValue row, None for the declared default


def scope_chain(param: Param, *, market: str | None, fund: str | None) -> list[str]:
    """Scopes to look in, narrowest first, limited to the levels the parameter allows."""
    chain = []
    if market and "market" in param.scopes:
        chain.append(f"market:{market}")
    if fund and "fund" in param.scopes:
        chain.append(f"fund:{fund}")
    if "global" in param.scopes:
        chain.append("global")
    return chain


def param_readings(
    names: list[str] | tuple[str, ...],
    *,
    market: str | None = None,
    fund: str | None = None,
    at: datetime | None = None,
) -> dict[str, ParamReading]:
    """Several parameters' values in force at ``at`` (default now), in one query.

    Each falls back market → fund → global → its declared default, within the levels the
    parameter allows.
    """
    params = {name: param_lookup(name) for name in names}
    chains = {name: scope_chain(p, market=market, fund=fund) for name, p in params.items()}
    at = at or timezone.now()
    rows = (
        ParamValue.objects.filter(
            name__in=list(params),
            scope__in={scope for chain in chains.values() for scope in chain},
            effective_at__lte=at,
        )
        .order_by("-effective_at", "-id")
        .values_list("id", "name", "scope", "value")
    )
    latest: dict[tuple[str, str], tuple[int, str | None]] = {}
    for row_id, name, scope, value in rows:
        latest.setdefault((name, scope), (row_id, value))
    readings = {}
    for name, param in params.items():
        readings[name] = ParamReading(name, param.default, "default", None)
        for scope in chains[name]:
            if (name, scope) in latest:
                row_id, value = latest[(name, scope)]
                parsed = param.parse(value) if value is not None else None
                readings[name] = ParamReading(name, parsed, scope, row_id)
                break
    return readings


def param_reading(
    name: str, *, market: str | None = None, fund: str | None = None, at: datetime | None = None
) -> ParamReading:
    """The value in force at ``at`` (default now): market, then fund, then global, then default."""
    return param_readings([name], market=market, fund=fund, at=at)[name]


def param_get(
    name: str, *, market: str | None = None, fund: str | None = None, at: datetime | None = None
) -> Any:
    return param_reading(name, market=market, fund=fund, at=at).value


def param_history(name: str, scope: str = "global") -> list[ParamValue]:
    return list(ParamValue.objects.filter(name=name, scope=scope).order_by("effective_at", "id"))
