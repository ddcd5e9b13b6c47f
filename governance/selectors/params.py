"""Reading the value of a governed parameter in force for a scope at a moment."""

from __future__ import annotations

from collections.abc import Iterable
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


def param_scopes(
    names: list[str] | tuple[str, ...], *, market: str | None = None, fund: str | None = None
) -> list[str]:
    """Every scope the parameters ``names`` may be found at for ``market`` and ``fund``."""
    chains = [scope_chain(param_lookup(name), market=market, fund=fund) for name in names]
    return sorted({scope for chain in chains for scope in chain})


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
    rows = (
        ParamValue.objects.filter(
            name__in=list(names),
            scope__in=param_scopes(names, market=market, fund=fund),
            effective_at__lte=at or timezone.now(),
        )
        .order_by("-effective_at", "-id")
        .values_list("id", "name", "scope", "value")
    )
    return param_readings_of(rows, names, market=market, fund=fund)


def param_readings_of(
    rows: Iterable[tuple[int, str, str, str | None]],
    names: list[str] | tuple[str, ...],
    *,
    market: str | None = None,
    fund: str | None = None,
) -> dict[str, ParamReading]:
    """The readings that ``rows`` of ParamValue (id, name, scope, value; the versions in force
    at some moment, newest first) give: for a caller that read the rows itself, e.g. a
    settlement in the same round trip as its fund lock."""
    latest: dict[tuple[str, str], tuple[int, str | None]] = {}
    for row_id, name, scope, value in rows:
        latest.setdefault((name, scope), (row_id, value))
    readings = {}
    for name in names:
        param = param_lookup(name)
        readings[name] = ParamReading(name, param.default, "default", None)
        for scope in scope_chain(param, market=market, fund=fund):
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
