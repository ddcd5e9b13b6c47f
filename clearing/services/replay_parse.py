"""Reading a replay file (DESIGN.md "Replay") into typed lines, all of it before anything runs.

Every problem names its line: ``line 12: fill.price: 60000.05 is not a multiple of the tick
0.1``. What can be checked without booking is checked here (shape, types, references to
assets, funds and markets defined earlier or already in the database, tick and lot grids,
parameter names, scopes and bounds); what depends on balances is checked by the services when
the line runs, inside the replay's transaction, so a failure there still books nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from clearing import formulas
from clearing.formulas import price_text
from clearing.models import Market
from common.exceptions import BackstopError, Invalid
from common.fields import to_amount
from fund.models import Asset, Fund
from governance.registry import param_lookup, scope_level

FIELDS = {
    "asset": ("symbol", "decimals"),
    "fund": ("name", "asset", "balance"),
    "market": ("symbol", "kind", "fund", "lot", "tick", "mmr"),
    "params": ("scope", "values"),
    "deposit": ("account", "asset", "amount"),
    "fill": ("id", "account", "market", "side", "qty", "price", "fee", "margin", "ts"),
    "mark": ("market", "price", "ts"),
    "close": ("account", "market", "price", "ts"),
}


@dataclass(frozen=True)
class Line:
    number: int
    type: str
    data: dict[str, Any]  # parsed: Decimals, ints, datetimes


class LineError(Invalid):
    """A bad line: the message starts with ``line N:``."""

    def __init__(self, number: int, message: str, *, field: str = ""):
        path = f"line.{number}" + (f".{field}" if field else "")
        super().__init__(f"line {number}: {message}", fields={path: [message]})
        self.number = number


def _text(raw: dict, name: str) -> str:
    value = raw[name]
    if not isinstance(value, str) or not value.strip():
        raise Invalid.field(name, "must be a non-empty string")
    return value.strip()


def _decimal(raw: dict, name: str, *, positive: bool = True) -> Decimal:
    value = raw[name]
    if not isinstance(value, str):
        raise Invalid.field(name, f"give prices and sizes as strings, got {value!r}")
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise Invalid.field(name, f"must be a decimal number, got {value!r}") from None
    if not parsed.is_finite() or (positive and parsed <= 0):
        raise Invalid.field(name, f"must be a positive number, got {value!r}")
    return parsed


def _amount(raw: dict, name: str) -> int:
    value = raw[name]
    if not isinstance(value, str):
        raise Invalid.field(name, f"give amounts as integer strings, got {value!r}")
    try:
        return to_amount(value, field=name)
    except ValidationError:
        raise Invalid.field(
            name, f"must be an integer in the smallest unit, got {value!r}"
        ) from None


def _time(raw: dict, name: str) -> datetime:
    value = raw[name]
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid.field(name, f"must be an ISO 8601 time with a zone, got {value!r}")
    return parsed


class _Context:
    """What earlier lines (and the database) define: assets, funds, markets."""

    def __init__(self):
        self.assets: dict[str, int] = dict(Asset.objects.values_list("symbol", "decimals"))
        self.funds: dict[str, str] = dict(Fund.objects.values_list("name", "asset__symbol"))
        self.markets: dict[str, tuple[Decimal, Decimal]] = {
            symbol: (lot, tick)
            for symbol, lot, tick in Market.objects.values_list("symbol", "lot", "tick")
        }

    def need(self, kind: str, table: dict, name: str, field: str) -> None:
        if name not in table:
            raise Invalid.field(field, f"unknown {kind} {name!r} (define it on an earlier line)")


def _parse(kind: str, raw: dict, ctx: _Context) -> dict[str, Any]:
    if kind == "asset":
        decimals = raw["decimals"]
        if isinstance(decimals, str) and decimals.isdigit():
            decimals = int(decimals)
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 36:
            raise Invalid.field("decimals", f"must be an integer 0–36, got {decimals!r}")
        symbol = _text(raw, "symbol")
        if ctx.assets.get(symbol, decimals) != decimals:
            raise Invalid.field(
                "decimals", f"asset {symbol} already exists with {ctx.assets[symbol]} decimals"
            )
        ctx.assets[symbol] = decimals
        return {"symbol": symbol, "decimals": decimals}
    if kind == "fund":
        data = {
            "name": _text(raw, "name"),
            "asset": _text(raw, "asset"),
            "balance": _amount(raw, "balance"),
        }
        ctx.need("asset", ctx.assets, data["asset"], "asset")
        if data["name"] in ctx.funds:
            raise Invalid.field("name", f"fund {data['name']!r} already exists")
        if data["balance"] < 0:
            raise Invalid.field("balance", "must not be negative")
        ctx.funds[data["name"]] = data["asset"]
        return data
    if kind == "market":
        data = {
            "symbol": _text(raw, "symbol"),
            "kind": _text(raw, "kind"),
            "fund": _text(raw, "fund"),
            "lot": _decimal(raw, "lot"),
            "tick": _decimal(raw, "tick"),
            "mmr": _decimal(raw, "mmr", positive=False),
            "face": _decimal(raw, "face") if "face" in raw else Decimal(1),
            "imr": _decimal(raw, "imr", positive=False) if "imr" in raw else Decimal(0),
        }
        ctx.need("fund", ctx.funds, data["fund"], "fund")
        if data["kind"] not in Market.Kind.values:
            raise Invalid.field("kind", f"must be linear or inverse, got {data['kind']!r}")
        if data["symbol"] in ctx.markets:
            raise Invalid.field("symbol", f"market {data['symbol']!r} already exists")
        ctx.markets[data["symbol"]] = (data["lot"], data["tick"])
        return data
    if kind == "params":
        scope = _text(raw, "scope")
        level = scope_level(scope)
        if level != "global":
            table = ctx.funds if level == "fund" else ctx.markets
            ctx.need(level, table, scope.partition(":")[2], "scope")
        values = raw["values"]
        if not isinstance(values, dict) or not values:
            raise Invalid.field("values", "must be a non-empty object of name → value")
        for name, value in values.items():
            param = param_lookup(name, path=f"values.{name}")
            if level not in param.scopes:
                raise Invalid.field(f"values.{name}", f"cannot be set at {level} scope")
            param.parse(value, path=f"values.{name}")
        return {"scope": scope, "values": values}
    if kind == "deposit":
        data = {
            "account": _text(raw, "account"),
            "asset": _text(raw, "asset"),
            "amount": _amount(raw, "amount"),
        }
        ctx.need("asset", ctx.assets, data["asset"], "asset")
        if data["amount"] <= 0:
            raise Invalid.field("amount", "must be positive")
        return data
    data: dict[str, Any] = {
        "market": _text(raw, "market"),
        "price": _decimal(raw, "price"),
        "ts": _time(raw, "ts"),
    }
    ctx.need("market", ctx.markets, data["market"], "market")
    lot, tick = ctx.markets[data["market"]]
    if kind != "mark" and not formulas.on_grid(data["price"], tick):
        raise Invalid.field(
            "price", f"{data['price']} is not a multiple of the tick {price_text(tick)}"
        )
    if kind in ("fill", "close"):
        data["account"] = _text(raw, "account")
    if kind == "fill":
        data.update(
            id=_text(raw, "id"),
            side=_text(raw, "side"),
            qty=_decimal(raw, "qty"),
            fee=_amount(raw, "fee"),
            margin=_amount(raw, "margin"),
        )
        if not formulas.on_grid(data["qty"], lot):
            raise Invalid.field(
                "qty", f"{data['qty']} is not a multiple of the lot {price_text(lot)}"
            )
        if data["side"] not in ("buy", "sell"):
            raise Invalid.field("side", f"must be buy or sell, got {data['side']!r}")
        if data["margin"] < 0:
            raise Invalid.field("margin", "must not be negative")
    return data


def replay_parse(lines: Iterable[str]) -> list[Line]:
    """Every non-blank line parsed and checked, or a LineError for the first bad one."""
    ctx = _Context()
    parsed = []
    fill_ids: dict[str, int] = {}
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LineError(number, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(raw, dict) or raw.get("type") not in FIELDS:
            raise LineError(number, f"type must be one of {', '.join(FIELDS)}", field="type")
        kind = raw["type"]
        missing = [name for name in FIELDS[kind] if name not in raw]
        if missing:
            raise LineError(number, f"a {kind} line needs {', '.join(missing)}", field=missing[0])
        try:
            data = _parse(kind, raw, ctx)
        except BackstopError as exc:
            field = next(iter(exc.fields), "")
            raise LineError(number, f"{kind}.{exc.message}", field=field) from None
        if kind == "fill":
            if data["id"] in fill_ids:
                raise LineError(
                    number,
                    f"fill id {data['id']!r} repeats line {fill_ids[data['id']]}",
                    field="id",
                )
            fill_ids[data["id"]] = number
        parsed.append(Line(number, kind, data))
    return parsed
