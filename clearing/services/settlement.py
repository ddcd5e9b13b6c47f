"""Settling liquidations through the waterfall: one transaction, one advisory lock per fund.

Liquidations of a market settle in order of close time, then id (seed 002: first in, first
out), so settling one first settles every earlier closed one of its market. Settling is
idempotent: a settled liquidation returns its Settlement and books nothing.

Every path (one liquidation, a market's pending batch, the replay) goes through
``settlements_book``: each liquidation is decided in order against a ``FundState`` that
carries the batch's earlier decisions, then the batch's entries are posted with one
``ledger_entries_post`` and its Settlement rows inserted with one ``bulk_create``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from clearing import formulas
from clearing.formulas import price_text
from clearing.models import Liquidation, Market, Position, Settlement
from clearing.selectors import holders_at_mark
from clearing.services.accounts import (
    Kind,
    accounts_cached,
    balance_account,
    counterparty_account,
    deficit_account,
    insurance_account,
    margin_account,
    socialized_account,
    transfer,
)
from clearing.services.positions import position_prices_refresh, position_reduce
from clearing.services.risk import risk_modes_recompute
from clearing.services.settlement_state import FundState
from clearing.waterfall import FundLimits, Liquidated, Outcome, waterfall_decide
from common.exceptions import Invalid
from common.locking import advisory_lock
from fund.services.ledger import EntryInput, ledger_entries_post
from fund.services.payouts import payout_create_for_review
from governance.selectors.params import ParamReading


def _pending(market: Market):
    # of=self: the joined market, fund and asset rows must not be locked (fills and the
    # ledger check foreign keys against them; locking them deadlocked ingest against us).
    return (
        Liquidation.objects.select_for_update(of=("self",))
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
            due = _pending(market).filter(
                Q(closed_at__lt=liquidation.closed_at)
                | Q(closed_at=liquidation.closed_at, pk__lte=liquidation.pk)
            )
            settlements_book(market=market, liquidations=list(due))
        return Settlement.objects.get(liquidation_id=liquidation_id)


def liquidations_settle_pending(*, market: Market, limit: int | None = None) -> list[Settlement]:
    """Settle the closed liquidations of ``market`` in order, the first ``limit`` of them
    (all by default): the replay's path and the per-market settlement task's batch."""
    with transaction.atomic():
        advisory_lock(f"fund:{market.fund_id}")
        return settlements_book(market=market, liquidations=list(_pending(market)[:limit]))


def settlements_book(*, market: Market, liquidations: list[Liquidation]) -> list[Settlement]:
    """Decide and book closed liquidations of ``market`` in the given (close time) order.

    Runs inside the caller's transaction under the fund's lock. The chain head is locked once
    for the whole list and the risk modes are recomputed once, after the last settlement.
    """
    if not liquidations:
        return []
    for liquidation in liquidations:  # one shared market (fund, asset) instead of a copy each
        liquidation.market = market
    state = FundState.read(market)
    keys = [(Kind.TRADER_MARGIN, f"{liq.account}|{market.symbol}") for liq in liquidations]
    keys += [(Kind.TRADER_BALANCE, liq.account) for liq in liquidations]
    with accounts_cached(asset=market.asset, keys=keys):
        decided = [_decide(liquidation, state) for liquidation in liquidations]
        entries = [entry for _, entries in decided for entry in entries]
    booked = iter(ledger_entries_post(entries=entries))
    settlements = []
    for settlement, entries in decided:
        settlement.entry_ids = [next(booked).pk for _ in entries]
        settlements.append(settlement)
    Settlement.objects.bulk_create(settlements)
    for settlement in settlements:
        if settlement.review:
            _review(settlement)
    Liquidation.objects.filter(pk__in=[liq.pk for liq in liquidations]).update(
        status=Liquidation.Status.SETTLED
    )
    for liquidation in liquidations:
        liquidation.status = Liquidation.Status.SETTLED
    Position.objects.filter(pk__in=[liq.position_id for liq in liquidations]).update(
        status=Position.Status.CLOSED,
        qty=0,
        margin=0,
        liquidation_price=None,
        bankruptcy_price=None,
        trigger_key=None,
    )
    fund = market.fund
    risk_modes_recompute(
        markets=list(fund.markets.select_related("asset", "fund")), at=liquidations[-1].closed_at
    )
    return settlements


def _review(settlement: Settlement) -> None:
    liquidation = settlement.liquidation
    settlement.review_payout = payout_create_for_review(
        fund=settlement.fund,
        amount=settlement.review,
        market=liquidation.market.symbol,
        liquidation_ref=str(liquidation.pk),
        event_time=settlement.settled_at,
    )
    settlement.save(update_fields=["review_payout"])


def _decide(liquidation: Liquidation, state: FundState) -> tuple[Settlement, list[EntryInput]]:
    """Run the waterfall for one liquidation: the unsaved Settlement and the entries to post.

    ADL and socialized charges change the opposite positions at once (saved), so the next
    liquidation of the batch sees them; the fund's balance moves in ``state``.
    """
    market, at = liquidation.market, liquidation.closed_at
    fund = market.fund
    readings = state.readings(at)
    limits = state.limits(readings, at)
    mark = state.mark
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
    state.record(fund_delta=outcome.fund_delta, at=at)
    settlement = Settlement(
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
    )
    return settlement, entries + adl_entries


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
            transfer(margin, insurance_account(fund), max(outcome.fund_delta, 0)),
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
            transfer(insurance_account(fund), counterparty, max(-outcome.fund_delta, 0)),
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
