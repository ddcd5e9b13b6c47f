"""Settling liquidations through the waterfall: one transaction, one advisory lock per fund.

Liquidations of a market settle in order of close time, then id (seed 002: first in, first
out), so settling one first settles every earlier closed one of its market. Settling is
idempotent: a settled liquidation returns its Settlement and books nothing.
"""

from __future__ import annotations

from django.db import transaction

from clearing import formulas
from clearing.formulas import price_text
from clearing.models import Liquidation, Market, Position, Settlement
from clearing.selectors import fund_paid_24h, holders_at_mark, last_mark_price
from clearing.services.accounts import (
    balance_account,
    counterparty_account,
    deficit_account,
    margin_account,
    socialized_account,
    transfer,
)
from clearing.services.positions import position_prices_refresh, position_reduce
from clearing.services.risk import risk_modes_recompute
from clearing.waterfall import FundLimits, Liquidated, Outcome, waterfall_decide
from common.exceptions import Invalid
from common.locking import advisory_lock
from fund.selectors.ledger import fund_balance
from fund.services.ledger import EntryInput, fund_account, ledger_entries_post
from fund.services.payouts import payout_create_for_review
from governance.selectors.params import ParamReading, param_reading

PARAMS = (
    "max_liquidation_fee_rate",
    "adl_policy",
    "reserve_floor",
    "payout_cap_per_event",
    "daily_payout_cap",
)


def _pending(market: Market):
    return (
        Liquidation.objects.select_for_update()
        .select_related("market__asset", "market__fund__asset")
        .filter(market=market, status=Liquidation.Status.CLOSED)
        .order_by("closed_at", "id")
    )


def liquidation_settle(*, liquidation_id: int) -> Settlement:
    """Settle one closed liquidation (and the earlier closed ones of its market first)."""
    with transaction.atomic():
        market = Market.objects.select_related("fund").get(liquidations__pk=liquidation_id)
        advisory_lock(f"fund:{market.fund_id}")
        liquidation = Liquidation.objects.select_for_update().get(pk=liquidation_id)
        if liquidation.status == Liquidation.Status.TAKEN_OVER:
            raise Invalid.field("liquidation", f"liquidation {liquidation_id} is not closed yet")
        if liquidation.status == Liquidation.Status.CLOSED:
            for earlier in _pending(market):
                if (earlier.closed_at, earlier.pk) > (liquidation.closed_at, liquidation.pk):
                    break
                _settle_one(earlier)
        return Settlement.objects.get(liquidation_id=liquidation_id)


def liquidations_settle_pending(*, market: Market) -> list[Settlement]:
    """Settle every closed liquidation of ``market`` in order (the replay's path)."""
    with transaction.atomic():
        advisory_lock(f"fund:{market.fund_id}")
        return [_settle_one(liquidation) for liquidation in _pending(market)]


def _settle_one(liquidation: Liquidation) -> Settlement:
    market, at = liquidation.market, liquidation.closed_at
    fund = market.fund
    readings = {
        name: param_reading(name, market=market.symbol, fund=fund.name, at=at) for name in PARAMS
    }
    limits = FundLimits(
        balance=fund_balance(fund),
        reserve_floor=readings["reserve_floor"].value,
        cap_event=readings["payout_cap_per_event"].value,
        daily_cap=readings["daily_payout_cap"].value,
        paid_24h=fund_paid_24h(fund, at=at),
    )
    mark = last_mark_price(market)
    other = Position.Side.SHORT if liquidation.side == Position.Side.LONG else Position.Side.LONG
    outcome = waterfall_decide(
        contract=market.contract,
        position=Liquidated(
            side=liquidation.side,
            qty=liquidation.qty,
            entry=liquidation.entry_price,
            margin=liquidation.margin,
        ),
        close_price=liquidation.close_price,
        bankruptcy_price=liquidation.bankruptcy_price,
        limits=limits,
        max_fee_rate=readings["max_liquidation_fee_rate"].value,
        policy=readings["adl_policy"].value,
        opposite=lambda: holders_at_mark(market, side=other, price=mark),
    )
    key = f"liquidation:{liquidation.pk}"
    entries = _liquidated_entries(liquidation, outcome, key)
    adl_rows, adl_entries = _deleverage(liquidation, outcome, key)
    charges = _socialize(liquidation, outcome)
    booked = ledger_entries_post(entries=entries + adl_entries)
    settlement = Settlement.objects.create(
        liquidation=liquidation,
        fund=fund,
        settled_at=at,
        policy=readings["adl_policy"].value,
        inputs=_inputs(liquidation, limits, mark),
        params={name: _reading_json(reading) for name, reading in readings.items()},
        equity=outcome.equity,
        shortfall=outcome.shortfall,
        cover_available=outcome.cover_available,
        fund_delta=outcome.fund_delta,
        trader_return=outcome.trader_return,
        socialized=outcome.socialized_total,
        deficit=outcome.deficit,
        review=outcome.review,
        legs=[
            {"qty": price_text(leg.qty), "price": price_text(leg.price), "pnl": str(leg.pnl)}
            for leg in outcome.legs
        ],
        adl=adl_rows,
        socialized_charges=charges,
        entry_ids=[entry.pk for entry in booked],
    )
    if outcome.review:
        settlement.review_payout = payout_create_for_review(
            fund=fund,
            amount=outcome.review,
            market=market.symbol,
            liquidation_ref=str(liquidation.pk),
            event_time=at,
        )
        settlement.save(update_fields=["review_payout"])
    liquidation.status = Liquidation.Status.SETTLED
    liquidation.save(update_fields=["status"])
    Position.objects.filter(pk=liquidation.position_id).update(
        status=Position.Status.CLOSED,
        qty=0,
        margin=0,
        liquidation_price=None,
        bankruptcy_price=None,
    )
    risk_modes_recompute(markets=list(fund.markets.select_related("asset", "fund")), at=at)
    return settlement


def _liquidated_entries(liquidation: Liquidation, outcome: Outcome, key: str) -> list[EntryInput]:
    """The liquidated position's margin, surplus, cover and the losses borne beyond the fund."""
    market, at = liquidation.market, liquidation.closed_at
    fund = market.fund
    margin = margin_account(liquidation.account, market)
    counterparty = counterparty_account(market)
    solvent = liquidation.margin + outcome.pnl_closed >= 0
    realised = outcome.pnl_closed if solvent else -liquidation.margin
    parts = [
        ("realized_pnl", "pnl", transfer(counterparty, margin, realised), None),
        (
            "liquidation_surplus",
            "surplus",
            transfer(margin, fund_account(fund), max(outcome.fund_delta, 0)),
            fund,
        ),
        (
            "margin_release",
            "release",
            transfer(
                margin, balance_account(liquidation.account, market.asset), outcome.trader_return
            ),
            None,
        ),
        (
            "shortfall_cover",
            "cover",
            transfer(fund_account(fund), counterparty, max(-outcome.fund_delta, 0)),
            fund,
        ),
        (
            "socialized_loss",
            "socialized",
            transfer(socialized_account(market), counterparty, outcome.socialized_total),
            None,
        ),
        (
            "uncovered_deficit",
            "deficit",
            transfer(deficit_account(market), counterparty, outcome.deficit),
            None,
        ),
        (
            "uncovered_deficit",
            "review",
            transfer(deficit_account(market), counterparty, outcome.review),
            fund,
        ),
    ]
    return [
        EntryInput(
            key=f"{key}:{name}",
            kind=kind,
            postings=postings,
            event_time=at,
            fund=owner,
            memo=f"liquidation {liquidation.pk} of {liquidation.account} in {market.symbol}",
        )
        for kind, name, postings, owner in parts
        if postings
    ]


def _deleverage(liquidation: Liquidation, outcome: Outcome, key: str):
    """Close the matched opposite positions at the bankruptcy price (ADL)."""
    rows, entries = [], []
    for match in outcome.adl:
        position = Position.objects.select_for_update().get(pk=match.holder.ref)
        realised, booked = position_reduce(
            position,
            liquidation.market,
            qty=match.qty,
            price=liquidation.bankruptcy_price,
            key=f"{key}:adl:{position.pk}",
            kind="adl",
            event_time=liquidation.closed_at,
            path=f"liquidation.{liquidation.pk}.adl",
        )
        position.save()
        entries += booked
        rows.append(
            {
                "account": position.account,
                "position": position.pk,
                "qty": price_text(match.qty),
                "pnl": str(realised),
            }
        )
    return rows, entries


def _socialize(liquidation: Liquidation, outcome: Outcome) -> list[dict]:
    """Charge each winner by moving its entry price so its PnL is lower by the charge."""
    charges = []
    market = liquidation.market
    for holder, amount in outcome.socialized:
        position = Position.objects.select_for_update().get(pk=holder.ref)
        position.entry_price = formulas.entry_after_charge(
            market.contract,
            side=position.side,
            qty=position.qty,
            entry=position.entry_price,
            charge=amount,
        )
        position_prices_refresh(position, market)
        position.save()
        charges.append(
            {"account": position.account, "position": position.pk, "amount": str(amount)}
        )
    return charges


def _inputs(liquidation: Liquidation, limits: FundLimits, mark) -> dict:
    market = liquidation.market
    return {
        "market": market.symbol,
        "kind": market.kind,
        "decimals": market.asset.decimals,
        "tick": price_text(market.tick),
        "lot": price_text(market.lot),
        "face": price_text(market.face),
        "account": liquidation.account,
        "side": liquidation.side,
        "qty": price_text(liquidation.qty),
        "entry_price": price_text(liquidation.entry_price),
        "margin": str(liquidation.margin),
        "liquidation_price": price_text(liquidation.liquidation_price),
        "bankruptcy_price": None
        if liquidation.bankruptcy_price is None
        else price_text(liquidation.bankruptcy_price),
        "close_price": price_text(liquidation.close_price),
        "last_mark": None if mark is None else price_text(mark),
        "fund_balance": str(limits.balance),
        "paid_24h": str(limits.paid_24h),
    }


def _reading_json(reading: ParamReading) -> dict:
    value = reading.value
    return {
        "value": None if value is None else str(value),
        "scope": reading.scope,
        "version_id": reading.version_id,
    }
