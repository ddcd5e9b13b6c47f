"""Running a scenario file through the real services and reporting what the waterfall did.

``replay_run`` validates the whole file first (``replay_parse``), then runs every line in one
transaction, so a line the services refuse (an overdraft, a close with nothing taken over)
books nothing at all. With ``rollback=True`` (``manage.py replay --dry-run``) the transaction
is always rolled back after the report is built: the governance impact preview uses that to
try values on its sandbox database without keeping them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from clearing.formulas import price_text
from clearing.models import Liquidation, Market, Settlement
from clearing.selectors import last_mark_price
from clearing.services.fills import FillInput, fills_ingest
from clearing.services.markets import fund_top_up, market_create, trader_deposit
from clearing.services.marks import CloseInput, MarkInput, closes_ingest, marks_ingest
from clearing.services.replay_parse import Line, LineError, replay_parse
from clearing.services.settlement import liquidations_settle_pending
from common.exceptions import BackstopError
from fund.models import Asset, Fund
from fund.selectors.ledger import fund_balance
from fund.services.funds import asset_create, fund_create
from governance.services.params import param_value_set

ACTOR = "replay"


class _Rollback(Exception):
    pass


def replay_run(
    *,
    lines: Iterable[str],
    rollback: bool = False,
    progress: Callable[[list[Line]], Iterable[Line]] | None = None,
) -> dict:
    """Validate, run and report a scenario; raises LineError naming the first bad line."""
    parsed = replay_parse(lines)
    report: dict = {}
    try:
        with transaction.atomic():
            report = _run(parsed, progress or (lambda items: items))
            if rollback:
                raise _Rollback
    except _Rollback:
        pass
    return report


BATCHED = {"fill": 500, "mark": 500, "close": 500}  # consecutive lines booked per call


def _batches(parsed: list[Line]) -> Iterator[list[Line]]:
    """Consecutive fills (marks, closes) go to their service as one batch, in file order."""
    batch: list[Line] = []
    for line in parsed:
        if batch and (line.type != batch[0].type or len(batch) >= BATCHED.get(line.type, 1)):
            yield batch
            batch = []
        batch.append(line)
    if batch:
        yield batch


def _run(parsed: list[Line], progress) -> dict:
    times = [line.data["ts"] for line in parsed if "ts" in line.data]
    clock = (min(times) if times else datetime.now().astimezone()) - timedelta(seconds=1)
    funds: list[str] = []
    first_settlement = Settlement.objects.order_by("-id").values_list("id", flat=True).first() or 0
    bar = iter(progress(parsed))
    for batch in _batches(parsed):
        clock = max([clock, *(line.data["ts"] for line in batch if "ts" in line.data)])
        try:
            _apply(batch, clock, funds)
        except BackstopError as exc:
            raise _line_error(batch, exc) from None
        for _ in batch:
            next(bar, None)
    # Only the scenario's own markets: on a copy of the live database other markets'
    # takeovers and settlements belong to the venue, not to the scenario.
    markets = Market.objects.filter(symbol__in=_symbols(parsed))
    for market in markets.filter(liquidations__status=Liquidation.Status.TAKEN_OVER).distinct():
        _close_at_last_mark(market, clock)
    return _report(first_settlement, funds, markets)


def _symbols(parsed: list[Line]) -> set[str]:
    return {
        line.data["symbol"] if line.type == "market" else line.data["market"]
        for line in parsed
        if line.type in ("market", "fill", "mark", "close")
    }


def _line_error(batch: list[Line], exc: BackstopError) -> LineError:
    """Name the line a service refused: batch paths look like ``fill.3.margin``."""
    kind = batch[0].type
    path = next(iter(exc.fields), "")
    head, _, rest = path.partition(".")
    index, _, field = rest.partition(".")
    reason = exc.fields[path][0] if path else exc.message
    if head == kind and index.isdigit() and int(index) < len(batch):
        where = f"{kind}.{field}: " if field else f"{kind}: "
        return LineError(batch[int(index)].number, where + reason, field=field)
    first, last = batch[0].number, batch[-1].number
    span = f"lines {first}–{last}" if last != first else f"line {first}"
    return LineError(first, f"{kind} ({span}): {exc.message}")


def _apply(batch: list[Line], clock: datetime, funds: list[str]) -> None:
    kind = batch[0].type
    if kind == "fill":
        fills_ingest(fills=[FillInput(**line.data) for line in batch], path=kind)
    elif kind == "mark":
        marks_ingest(marks=[MarkInput(**line.data) for line in batch], path=kind)
    elif kind == "close":
        closes = closes_ingest(closes=[CloseInput(**line.data) for line in batch], path=kind)
        for market in {liquidation.market for liquidation in closes}:
            liquidations_settle_pending(market=market)
    else:
        for line in batch:
            _setup(line, clock, funds)


def _setup(line: Line, clock: datetime, funds: list[str]) -> None:
    data, key = line.data, f"replay:{line.number}"
    if line.type == "asset":
        if not Asset.objects.filter(symbol=data["symbol"]).exists():
            asset_create(symbol=data["symbol"], decimals=data["decimals"], actor=ACTOR)
    elif line.type == "fund":
        fund = fund_create(
            name=data["name"], asset=Asset.objects.get(symbol=data["asset"]), actor=ACTOR
        )
        funds.append(fund.name)
        if data["balance"]:
            fund_top_up(
                fund=fund, amount=data["balance"], key=f"{key}:{fund.name}", event_time=clock
            )
    elif line.type == "market":
        market_create(
            symbol=data["symbol"],
            kind=data["kind"],
            fund=Fund.objects.get(name=data["fund"]),
            lot=data["lot"],
            tick=data["tick"],
            mmr=data["mmr"],
            imr=data["imr"],
            face=data["face"],
            actor=ACTOR,
        )
    elif line.type == "params":
        for name, value in data["values"].items():
            param_value_set(
                name=name,
                scope=data["scope"],
                value=value,
                source="replay",
                actor=ACTOR,
                effective_at=clock,
            )
    else:  # deposit
        asset = Asset.objects.get(symbol=data["asset"])
        trader_deposit(
            account=data["account"],
            asset=asset,
            amount=data["amount"],
            key=f"{key}:{data['account']}",
            event_time=clock,
        )


def _close_at_last_mark(market: Market, clock: datetime) -> None:
    """A position still taken over when the scenario ends is settled at the last mark."""
    price = last_mark_price(market)
    accounts = market.liquidations.filter(status=Liquidation.Status.TAKEN_OVER).values_list(
        "account", flat=True
    )
    closes_ingest(
        closes=[CloseInput(account, market.symbol, price, clock) for account in accounts],
        path="end",
    )
    liquidations_settle_pending(market=market)


def _report(after_id: int, funds: list[str], markets) -> dict:
    settlements = (
        Settlement.objects.filter(id__gt=after_id, liquidation__market__in=markets)
        .select_related("liquidation__market")
        .order_by("id")
    )
    liquidations = []
    for settlement in settlements:
        liquidation = settlement.liquidation
        liquidations.append(
            {
                "id": liquidation.pk,
                "account": liquidation.account,
                "market": liquidation.market.symbol,
                "side": liquidation.side,
                "qty": price_text(liquidation.qty),
                "entry_price": price_text(liquidation.entry_price),
                "margin": str(liquidation.margin),
                "liquidation_price": price_text(liquidation.liquidation_price),
                "bankruptcy_price": price_text(liquidation.bankruptcy_price),
                "close_price": price_text(liquidation.close_price),
                "closed_at": liquidation.closed_at.isoformat(),
                "equity": str(settlement.equity),
                "policy": settlement.policy,
                "fund_delta": str(settlement.fund_delta),
                "trader_return": str(settlement.trader_return),
                "adl": [
                    {"account": row["account"], "qty": price_text(Decimal(row["qty"]))}
                    for row in settlement.adl
                ],
                "socialized": str(settlement.socialized),
                "deficit": str(settlement.deficit),
                "review": str(settlement.review),
            }
        )
    balances = {name: str(fund_balance(Fund.objects.get(name=name))) for name in funds}
    markets = Market.objects.filter(fund__name__in=funds).order_by("symbol")
    return {
        "liquidations": liquidations,
        "funds": balances,
        "risk_modes": {market.symbol: market.risk_mode for market in markets},
        "totals": {
            key: str(sum(int(item[key]) for item in liquidations))
            for key in ("fund_delta", "socialized", "deficit", "review")
        },
    }
