"""Venue fills: validate the whole batch, then book each fill's margin, fee, fee take and PnL.

A batch is all or nothing: every item is checked before anything is booked, and anything the
books refuse later (an overdraft, a margin that would go negative) rolls the batch back with
the item's path in the error. A fill id seen before with the same content is a harmless retry;
with other content it is a Conflict.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.db import transaction

from clearing import formulas
from clearing.formulas import price_text
from clearing.models import Fill, Market, Position
from clearing.services.accounts import (
    balance_account,
    fee_income_account,
    margin_account,
    transfer,
)
from clearing.services.positions import position_add, position_reduce
from clearing.services.risk import risk_modes_recompute
from common.canonical import canonical_json
from common.exceptions import BackstopError, Conflict, Invalid, NotFound
from fund.models import LedgerAccount
from fund.selectors.ledger import account_balance
from fund.services.ledger import EntryInput, fund_account, ledger_entries_post
from governance.selectors.params import param_get

BUY, SELL = "buy", "sell"


@dataclass(frozen=True)
class FillInput:
    id: str
    account: str
    market: str
    side: str
    qty: Decimal
    price: Decimal
    fee: int
    margin: int
    ts: datetime

    def digest(self) -> str:
        content = {**self.__dict__, "ts": self.ts.isoformat()}
        return hashlib.sha256(canonical_json(content)).hexdigest()


def markets_by_symbol(symbols: Sequence[str], *, path: str) -> dict[str, Market]:
    """The named markets, or NotFound naming the first unknown one."""
    found = {
        m.symbol: m
        for m in Market.objects.select_related("asset", "fund").filter(symbol__in=set(symbols))
    }
    for index, symbol in enumerate(symbols):
        if symbol not in found:
            raise NotFound.field(f"{path}.{index}.market", f"unknown market {symbol!r}")
    return found


def _check(item: FillInput, market: Market, path: str) -> None:
    if not item.id:
        raise Invalid.field(f"{path}.id", "the venue's fill id is required")
    if not item.account:
        raise Invalid.field(f"{path}.account", "the account is required")
    if item.side not in (BUY, SELL):
        raise Invalid.field(f"{path}.side", f"must be buy or sell, got {item.side!r}")
    if item.qty <= 0 or not formulas.on_grid(item.qty, market.lot):
        raise Invalid.field(
            f"{path}.qty",
            f"{item.qty} is not a positive multiple of the lot {price_text(market.lot)}",
        )
    if item.price <= 0 or not formulas.on_grid(item.price, market.tick):
        raise Invalid.field(
            f"{path}.price",
            f"{item.price} is not a positive multiple of the tick {price_text(market.tick)}",
        )
    if item.margin < 0:
        raise Invalid.field(f"{path}.margin", "must not be negative")


def fills_ingest(*, fills: Sequence[FillInput], path: str = "fills") -> list[Fill]:
    """Book a batch of fills in order; returns the Fill of each item (existing ones on retry)."""
    markets = markets_by_symbol([f.market for f in fills], path=path)
    seen: dict[str, str] = {}
    for index, item in enumerate(fills):
        _check(item, markets[item.market], f"{path}.{index}")
        digest = item.digest()
        if seen.setdefault(item.id, digest) != digest:
            raise Conflict.field(
                f"{path}.{index}.id", f"fill {item.id!r} appears twice with different content"
            )
    known = {f.venue_id: f for f in Fill.objects.filter(venue_id__in=seen)}
    for index, item in enumerate(fills):
        if item.id in known and known[item.id].digest != seen[item.id]:
            raise Conflict.field(
                f"{path}.{index}.id", f"fill {item.id!r} was already booked with different content"
            )
    result: dict[str, Fill] = dict(known)
    with transaction.atomic():
        pending: dict[int, int] = {}  # trader balance changes booked earlier in this batch
        plans: list[tuple[Fill, list[EntryInput], str]] = []
        for index, item in enumerate(fills):
            if item.id not in result:
                where = f"{path}.{index}"
                fill, entries = _fill_plan(item, markets[item.market], where, pending)
                result[item.id] = fill
                plans.append((fill, entries, where))
        _book(plans)
        risk_modes_recompute(
            markets={m.pk: m for m in markets.values()}.values(), at=max(f.ts for f in fills)
        )
    return [result[item.id] for item in fills]


def _book(plans: list[tuple[Fill, list[EntryInput], str]]) -> None:
    """Post every fill's entries in one ledger call (one chain-head lock), then the fills."""
    entries = [entry for _, fill_entries, _ in plans for entry in fill_entries]
    owners = [where for _, fill_entries, where in plans for _ in fill_entries]
    try:
        booked = iter(ledger_entries_post(entries=entries))
    except BackstopError as exc:
        path = next(iter(exc.fields), "")
        index = path.split(".")[1] if path.startswith("entries.") else ""
        if index.isdigit():
            raise type(exc)(
                f"{owners[int(index)]}: {exc.message}", fields={owners[int(index)]: [exc.message]}
            ) from None
        raise
    for fill, fill_entries, _ in plans:
        fill.entry_ids = [next(booked).pk for _ in fill_entries]
    Fill.objects.bulk_create([fill for fill, _, _ in plans])


def _fill_plan(
    item: FillInput, market: Market, path: str, pending: dict[int, int]
) -> tuple[Fill, list[EntryInput]]:
    """Apply the fill to its position (saved) and return the Fill and entries to book."""
    side = Position.Side.LONG if item.side == BUY else Position.Side.SHORT
    position = (
        Position.objects.select_for_update()
        .filter(account=item.account, market=market)
        .exclude(status=Position.Status.CLOSED)
        .first()
    )
    if position is not None and position.status == Position.Status.TAKEN_OVER:
        raise Invalid.field(
            f"{path}.account",
            f"the position of {item.account} in {market.symbol} is taken over by liquidation",
        )
    if position is None:
        position = Position(
            account=item.account,
            market=market,
            side=side,
            qty=0,
            entry_price=item.price,
            opened_at=item.ts,
        )
    key = f"fill:{item.id}"
    balance = balance_account(item.account, market.asset)
    realised = 0
    if position.side == side or position.qty == 0:
        _check_open(item, market, path)
        position_add(position, market, qty=item.qty, price=item.price, margin=item.margin)
        entries = _margin_entries(item, market, key, balance)
    else:
        if item.margin:
            raise Invalid.field(f"{path}.margin", "a fill that reduces a position brings no margin")
        realised, entries = position_reduce(
            position,
            market,
            qty=item.qty,
            price=item.price,
            key=key,
            kind="realized_pnl",
            event_time=item.ts,
            path=path,
        )
    entries += _fee_entries(item, market, key, balance)
    _balance_check(item, market, entries, pending, path, balance)
    position.save()
    fill = Fill(
        venue_id=item.id,
        digest=item.digest(),
        account=item.account,
        market=market,
        position=position,
        side=item.side,
        qty=item.qty,
        price=item.price,
        fee=item.fee,
        margin=item.margin,
        realized_pnl=realised,
        ts=item.ts,
    )
    return fill, entries


def _balance_check(
    item: FillInput,
    market: Market,
    entries: list[EntryInput],
    pending: dict[int, int],
    path: str,
    account: LedgerAccount,
) -> None:
    """The trader's balance, with earlier fills of the batch, must pay this margin and fee."""
    change = sum(
        amount for entry in entries for posted, amount in entry.postings if posted.pk == account.pk
    )
    before = account_balance(account) + pending.get(account.pk, 0)
    if before + change < 0 and not account.postings.exists() and not pending.get(account.pk):
        raise NotFound.field(
            f"{path}.account",
            f"unknown account {item.account!r}: nothing was ever deposited in {market.asset}",
        )
    if before + change < 0:
        raise Invalid.field(
            f"{path}.margin" if item.margin else f"{path}.fee",
            f"{item.account} holds {before} {market.asset.symbol} units, "
            f"the fill needs {-change} (margin and fee)",
        )
    pending[account.pk] = pending.get(account.pk, 0) + change


def _check_open(item: FillInput, market: Market, path: str) -> None:
    """Opening or adding: the market's risk mode and initial margin must allow it."""
    if market.risk_mode == Market.RiskMode.REDUCE_ONLY:
        raise Invalid.field(
            path, f"{market.symbol} is reduce-only: the fund's coverage is critical"
        )
    if item.margin <= 0:
        raise Invalid.field(f"{path}.margin", "a fill that opens or adds must bring margin")
    rate = Fraction(market.imr)
    if market.risk_mode == Market.RiskMode.RESTRICTED:
        rate *= Fraction(
            param_get(
                "restricted_margin_multiplier",
                market=market.symbol,
                fund=market.fund.name,
                at=item.ts,
            )
        )
    required = math.ceil(formulas.notional(market.contract, qty=item.qty, price=item.price) * rate)
    if item.margin < required:
        raise Invalid.field(
            f"{path}.margin",
            f"{item.margin} is below the initial margin {required} ({market.risk_mode} mode)",
        )


def _margin_entries(
    item: FillInput, market: Market, key: str, balance: LedgerAccount
) -> list[EntryInput]:
    return [
        EntryInput(
            key=f"{key}:margin",
            kind="fill_margin",
            postings=transfer(balance, margin_account(item.account, market), item.margin),
            event_time=item.ts,
        )
    ]


def _fee_entries(
    item: FillInput, market: Market, key: str, balance: LedgerAccount
) -> list[EntryInput]:
    """The trader's fee to fee income, then the fee take from fee income to the market's fund."""
    if item.fee == 0:
        return []
    income = fee_income_account(market.asset)
    entries = [
        EntryInput(
            key=f"{key}:fee",
            kind="fill_fee",
            postings=transfer(balance, income, item.fee),
            event_time=item.ts,
        )
    ]
    rate = param_get("fee_take_rate", market=market.symbol, fund=market.fund.name, at=item.ts)
    notional = formulas.notional(market.contract, qty=item.qty, price=item.price)
    take = min(math.floor(notional * Fraction(rate)), max(item.fee, 0))
    if take:
        entries.append(
            EntryInput(
                key=f"{key}:fee_take",
                kind="fee_take",
                postings=transfer(income, fund_account(market.fund), take),
                event_time=item.ts,
                fund=market.fund,
            )
        )
    return entries
