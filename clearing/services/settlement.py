"""Settling liquidations through the waterfall: one transaction, one advisory lock per fund.

Liquidations of a market settle in order of close time, then id (seed 002: first in, first
out), so settling one first settles every earlier closed one of its market. Settling is
idempotent: a settled liquidation returns its Settlement and books nothing.

Every path (one liquidation, a market's pending batch, the replay) starts with
``settlement_open`` (the fund's lock and what the batch starts from, one round trip) and goes
through ``settlements_book``: each liquidation is decided in order against a ``FundState``
that carries the batch's earlier decisions, then the batch's entries are posted with one
``ledger_entries_post`` and its Settlement rows written with one ``rows_copy``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from clearing import formulas
from clearing.formulas import price_text
from clearing.models import Liquidation, Market, Position, Settlement
from clearing.selectors.settling import liquidation_state, settlement_of
from clearing.services.accounts import (
    accounts_cached,
    accounts_resolve,
    balance_account,
    counterparty_account,
    deficit_account,
    insurance_account,
    margin_account,
    socialized_account,
    transfer,
)
from clearing.services.positions import position_reduce
from clearing.services.risk import risk_modes_recompute
from clearing.services.settlement_state import (
    Due,
    FundState,
    Opening,
    OppositeBook,
    Rules,
    settlement_open,
)
from clearing.waterfall import FundLimits, Liquidated, Outcome, waterfall_decide
from common.bulk import rows_copy
from common.collector import cycle_collector_paused
from common.exceptions import Invalid
from fund.models import LedgerAccount
from fund.services.ledger import EntryInput, ledger_entries_post
from fund.services.payouts import payout_create_for_review

SETTLEMENT_FIELDS = [
    "liquidation_id",
    "fund_id",
    "settled_at",
    "policy",
    "inputs",
    "params",
    "equity",
    "shortfall",
    "cover_available",
    "fund_delta",
    "trader_return",
    "socialized",
    "deficit",
    "review",
    "legs",
    "adl",
    "socialized_charges",
    "entry_ids",
    "review_payout_id",
    "created_at",
]


def liquidation_settle(*, liquidation_id: int) -> Settlement:
    """Settle one closed liquidation (and the earlier closed ones of its market first).

    The one-by-one path (a dead letter's retry, a manual re-run): it leaves the risk modes to
    the market's next batch and the beat (decision 035), and a settled liquidation is
    answered without taking the fund's lock. Its reads are written SQL (decision 036): the
    liquidation with its market, fund and asset in one query, then the fund's lock with
    everything the batch starts from in one round trip.
    """
    found = liquidation_state(liquidation_id=liquidation_id)
    if found.status == Liquidation.Status.TAKEN_OVER:
        raise Invalid.field("liquidation", f"liquidation {liquidation_id} is not closed yet")
    if found.settlement is not None:
        return found.settlement
    with transaction.atomic():
        opening = settlement_open(found.market, through=(found.closed_at, liquidation_id))
        settlements_book(market=found.market, opening=opening, risk_modes=False)
    return settlement_of(liquidation_id=liquidation_id)


def liquidations_settle_pending(
    *, market: Market, limit: int | None = None, skip_busy: bool = False
) -> int:
    """Settle the closed liquidations of ``market`` in order, the first ``limit`` of them
    (all by default): the replay's path and the per-market settlement task's batch. Returns
    how many were settled. With ``skip_busy``, a market another such batch is settling
    raises ``LockBusy`` instead of waiting for it (the task's way, decision 039)."""
    with transaction.atomic():
        opening = settlement_open(market, limit=limit, skip_busy=skip_busy)
        return settlements_book(market=market, opening=opening)


@dataclass
class _Decided:
    """One liquidation's settlement, decided, waiting for its entries to be posted."""

    liquidation: tuple  # a row of ``DUE``
    rules: Rules
    inputs: dict
    outcome: Outcome
    adl: list[dict]
    charges: list[dict]
    entries: list[EntryInput]


def settlements_book(*, market: Market, opening: Opening, risk_modes: bool = True) -> int:
    """Decide and book the closed liquidations ``opening`` read (rows of ``DUE``) in their
    (close time) order; returns how many.

    Runs inside the caller's transaction under the fund's lock (``settlement_open``). The
    chain head is locked once for the whole list, the Settlement rows are written with one
    COPY (their JSON encoded here: the parameter record once per batch), and the risk modes
    are recomputed once, after the last decision (unless ``risk_modes`` is false).

    The ledger's chain head stays locked from the posting to the commit, and every other
    writer of the ledger waits for it: everything that does not need the entries' ids
    (positions, statuses, the risk modes with the batch's fund delta still to post) is written
    before it (decision 054).
    """
    liquidations = opening.due
    if not liquidations:
        return 0
    with cycle_collector_paused():
        state = FundState.read(market, opening=opening)
        decided = _decide_all(market, liquidations, state)
        state.positions_save()
        _settled_mark(liquidations)
        if risk_modes:
            risk_modes_recompute(
                markets=list(market.fund.markets.select_related("asset", "fund")),
                at=liquidations[-1].closed_at,
                unposted=sum(d.outcome.fund_delta for d in decided),
            )
        _post(market, decided)
    return len(liquidations)


def _decide_all(market: Market, liquidations: list[Due], state: FundState) -> list[_Decided]:
    """Decide each liquidation in order; the accounts they name resolved in one query."""
    fixed = _market_inputs(market)
    with accounts_cached(asset=market.asset):
        own = _MarketAccounts.of(market)
        decided = [_decide(market, liquidation, state, fixed, own) for liquidation in liquidations]
        accounts_resolve()
    return decided


def _post(market: Market, decided: list[_Decided]) -> None:
    """The batch's entries in one ledger call, then its Settlement rows (which name them)."""
    booked = iter(ledger_entries_post(entries=[e for d in decided for e in d.entries]))
    now = timezone.now()
    rows_copy(
        Settlement,
        SETTLEMENT_FIELDS,
        [_settlement_row(market, d, [next(booked).pk for _ in d.entries], now) for d in decided],
    )


def _settled_mark(liquidations: list[Due]) -> None:
    """The liquidations settled and their positions closed: one round trip on PostgreSQL
    (two ORM updates cost the one-by-one path more than the ledger posting, decision 036)."""
    settled = [liq.id for liq in liquidations]
    closed = [liq.position_id for liq in liquidations]
    if connection.vendor != "postgresql":
        Liquidation.objects.filter(pk__any=settled).update(status=Liquidation.Status.SETTLED)
        Position.objects.filter(pk__any=closed).update(
            status=Position.Status.CLOSED,
            qty=0,
            margin=0,
            liquidation_price=None,
            bankruptcy_price=None,
            trigger_key=None,
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Liquidation._meta.db_table} SET status = %s WHERE id = ANY(%s); "  # noqa: S608 - model metadata
            f"UPDATE {Position._meta.db_table} SET status = %s, qty = 0, margin = 0, "
            "liquidation_price = NULL, bankruptcy_price = NULL, trigger_key = NULL "
            "WHERE id = ANY(%s)",
            [Liquidation.Status.SETTLED, settled, Position.Status.CLOSED, closed],
        )


def _settlement_row(market: Market, decided: _Decided, entry_ids: list[int], now) -> tuple:
    """The Settlement's values as ``rows_copy`` takes them (JSON encoded)."""
    liquidation, outcome = decided.liquidation, decided.outcome
    payout = None
    if outcome.review:
        payout = payout_create_for_review(
            fund=market.fund,
            amount=outcome.review,
            market=market.symbol,
            liquidation_ref=str(liquidation.id),
            event_time=liquidation.closed_at,
        ).pk
    return (
        liquidation.id,
        market.fund_id,
        liquidation.closed_at,
        decided.rules.readings["adl_policy"].value,
        json.dumps(decided.inputs),
        decided.rules.record_json,
        outcome.equity,
        outcome.shortfall,
        outcome.cover_available,
        outcome.fund_delta,
        outcome.trader_return,
        outcome.socialized_total,
        outcome.deficit,
        outcome.review,
        json.dumps(
            [
                {"qty": price_text(leg.qty), "price": price_text(leg.price), "pnl": str(leg.pnl)}
                for leg in outcome.legs
            ]
        ),
        _json_list(decided.adl),
        _json_list(decided.charges),
        json.dumps(entry_ids),
        payout,
        now,
    )


def _json_list(items: list) -> str:
    return json.dumps(items) if items else "[]"  # most settlements match and charge no one


def _decide(
    market: Market, liquidation, state: FundState, fixed: dict, own: _MarketAccounts
) -> _Decided:
    """Run the waterfall for one liquidation: its settlement and the entries to post.

    ADL and socialized charges change the opposite positions in ``state``'s book at once, so
    the next liquidation of the batch sees them; the fund's balance moves in ``state``.
    """
    at = liquidation.closed_at
    rules = state.rules(at)
    readings = rules.readings
    limits = state.limits(readings, at)
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
        opposite=lambda: state.book(other).adl,
    )
    key = f"liquidation:{liquidation.id}"
    entries = _liquidated_entries(market, liquidation, outcome, key, own)
    adl_rows, charges = [], []
    if outcome.adl:
        deleveraged = _deleverage(market, liquidation, outcome, key, state.book(other))
        adl_rows, entries = deleveraged.rows, entries + deleveraged.entries
    if outcome.socialized:
        charges = _socialize(market, outcome, state.book(other))
    state.record(fund_delta=outcome.fund_delta, at=at)
    inputs = _inputs(liquidation, fixed, limits, state.mark)
    return _Decided(liquidation, rules, inputs, outcome, adl_rows, charges, entries)


class _MarketAccounts(NamedTuple):
    """The accounts every settlement of a market names, looked up once per batch."""

    fund: LedgerAccount
    counterparty: LedgerAccount
    socialized: LedgerAccount
    deficit: LedgerAccount

    @classmethod
    def of(cls, market: Market) -> _MarketAccounts:
        return cls(
            insurance_account(market.fund),
            counterparty_account(market),
            socialized_account(market),
            deficit_account(market),
        )


def _liquidated_entries(
    market: Market, liquidation, outcome: Outcome, key: str, own: _MarketAccounts
) -> list[EntryInput]:
    """The liquidated position's margin, surplus, cover and the losses borne beyond the fund."""
    fund = market.fund
    margin = margin_account(liquidation.account, market)
    solvent = liquidation.margin + outcome.pnl_closed >= 0
    realised = outcome.pnl_closed if solvent else -liquidation.margin
    # A bankrupt trader gets nothing back: their balance account is only named when it moves.
    balance = balance_account(liquidation.account, market.asset) if outcome.trader_return else None
    parts = [
        ("realized_pnl", "pnl", own.counterparty, margin, realised, None),
        ("liquidation_surplus", "surplus", margin, own.fund, max(outcome.fund_delta, 0), fund),
        ("margin_release", "release", margin, balance, outcome.trader_return, None),
        ("shortfall_cover", "cover", own.fund, own.counterparty, max(-outcome.fund_delta, 0), fund),
        (
            "socialized_loss",
            "socialized",
            own.socialized,
            own.counterparty,
            outcome.socialized_total,
            None,
        ),
        ("uncovered_deficit", "deficit", own.deficit, own.counterparty, outcome.deficit, None),
        ("uncovered_deficit", "review", own.deficit, own.counterparty, outcome.review, fund),
    ]
    memo = f"liquidation {liquidation.id} of {liquidation.account} in {market.symbol}"
    return [
        EntryInput(
            key=f"{key}:{name}",
            kind=kind,
            postings=transfer(source, target, amount),
            event_time=liquidation.closed_at,
            fund=owner,
            memo=memo,
        )
        for kind, name, source, target, amount, owner in parts
        if amount
    ]


@dataclass
class _Deleveraged:
    rows: list[dict]
    entries: list[EntryInput]


def _deleverage(
    market: Market, liquidation, outcome: Outcome, key: str, book: OppositeBook
) -> _Deleveraged:
    """Close the matched opposite positions at the bankruptcy price (ADL)."""
    done = _Deleveraged([], [])
    for match in outcome.adl:
        position = book.position(match.holder.ref)
        realised, booked = position_reduce(
            position,
            market,
            qty=match.qty,
            price=liquidation.bankruptcy_price,
            key=f"{key}:adl:{position.pk}",
            kind="adl",
            event_time=liquidation.closed_at,
            path=f"liquidation.{liquidation.id}.adl",
            refresh=False,  # the book refreshes the prices of what it saves
        )
        book.moved(position)
        done.entries += booked
        done.rows.append(
            {
                "account": position.account,
                "position": position.pk,
                "qty": price_text(match.qty),
                "pnl": str(realised),
            }
        )
    return done


def _socialize(market: Market, outcome: Outcome, book: OppositeBook) -> list[dict]:
    """Charge each winner by moving its entry price so its PnL is lower by the charge."""
    charges = []
    for holder, amount in outcome.socialized:
        position = book.position(holder.ref)
        position.entry_price = formulas.entry_after_charge(
            market.contract,
            side=position.side,
            qty=position.qty,
            entry=position.entry_price,
            charge=amount,
        )
        book.moved(position)
        charges.append(
            {"account": position.account, "position": position.pk, "amount": str(amount)}
        )
    return charges


def _market_inputs(market: Market) -> dict:
    """The part of a settlement's inputs that is the market's, the same for the whole batch."""
    return {
        "market": market.symbol,
        "kind": market.kind,
        "decimals": market.asset.decimals,
        "tick": price_text(market.tick),
        "lot": price_text(market.lot),
        "face": price_text(market.face),
    }


def _inputs(liquidation, fixed: dict, limits: FundLimits, mark: Decimal | None) -> dict:
    return {
        **fixed,
        "account": liquidation.account,
        "side": liquidation.side,
        "qty": price_text(liquidation.qty),
        "entry_price": price_text(liquidation.entry_price),
        "margin": str(liquidation.margin),
        "liquidation_price": price_text(liquidation.liquidation_price),
        "bankruptcy_price": price_text(liquidation.bankruptcy_price),
        "close_price": price_text(liquidation.close_price),
        "last_mark": price_text(mark),
        "fund_balance": str(limits.balance),
        "paid_24h": str(limits.paid_24h),
    }
