"""Reads of clearing state: marks, open interest, the ADL book and queue, settlements."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Q, Sum

from clearing import formulas
from clearing.adl import Holder, HolderValuer, adl_quintile, adl_rank, adl_score
from clearing.models import Fill, Liquidation, Market, MarkPrice, Position, Settlement
from clearing.selectors.rows import columns
from fund.models import Fund, LedgerAccount
from fund.selectors.ledger import fund_balance

LIVE = (Position.Status.OPEN, Position.Status.TAKEN_OVER)


def last_mark_price(market: Market) -> Decimal | None:
    return (
        MarkPrice.objects.filter(market=market, accepted=True)
        .order_by("-ts", "-id")
        .values_list("price", flat=True)
        .first()
    )


def last_reference_price(market: Market) -> Decimal | None:
    """What a new mark is compared with: the last accepted mark, else the last fill's price."""
    mark = last_mark_price(market)
    if mark is not None:
        return mark
    return (
        Fill.objects.filter(market=market)
        .order_by("-ts", "-id")
        .values_list("price", flat=True)
        .first()
    )


def open_interest(market: Market, *, price: Decimal) -> int:
    """Open interest valued at ``price``: the larger side's size, in the settle asset's units."""
    sizes = dict(
        Position.objects.filter(market=market, status__in=LIVE)
        .values("side")
        .annotate(total=Sum("qty"))
        .values_list("side", "total")
    )
    size = max(sizes.values(), default=Decimal(0)) or Decimal(0)
    return formulas.notional(market.contract, qty=size, price=price) if size else 0


def liquidations_waiting(*, market_id: int, taken_over_by: datetime | None = None) -> bool:
    """Whether a closed liquidation of the market waits for settlement (one index probe);
    with ``taken_over_by``, one taken over by then (server clock)."""
    waiting = Liquidation.objects.filter(market_id=market_id, status=Liquidation.Status.CLOSED)
    if taken_over_by is not None:
        waiting = waiting.filter(created_at__lte=taken_over_by)
    return waiting.exists()


def liquidatable_positions(market: Market, *, price: Decimal):
    """Open positions a mark at ``price`` makes liquidatable: two ranges of one index.

    Longs have ``trigger_key`` = liq ≥ price; shorts have ``trigger_key`` = −liq in [−price, 0).
    """
    return Position.objects.filter(market=market, status=Position.Status.OPEN).filter(
        Q(trigger_key__gte=price) | Q(trigger_key__gte=-price, trigger_key__lt=0)
    )


def fund_paid_24h(fund: Fund, *, at: datetime) -> int:
    """Cover the fund paid for liquidations in the 24 h of event time up to ``at``."""
    amounts = Settlement.objects.filter(
        fund=fund, settled_at__gt=at - timedelta(hours=24), settled_at__lte=at
    ).values_list("fund_delta", flat=True)
    return sum(-amount for amount in amounts if amount < 0)


class BookRow(NamedTuple):
    """What ADL and a socialized loss need of an open position (``opened`` ranks its age)."""

    id: int
    account: str
    qty: Decimal
    margin: int
    entry_price: Decimal
    opened: int


_BOOK = ("id", "account", "qty", "margin", "entry_price")


def open_book(market: Market, *, side: str) -> list[BookRow]:
    """One side's open positions in id order; ``opened`` is each one's place by opening time.

    The place by (opened_at, id) is all the ADL tie-break needs, and reading it instead of the
    time saves parsing a timestamp per position of a side that can hold tens of thousands.
    The statement is written out and the place numbered by the database: a settlement batch
    that ADLs reads a whole side, and the ORM's per-row work cost more than the query.
    """
    book = columns(Position, _BOOK)
    sql = (
        f"SELECT {book.sql('p')}, row_number() OVER (ORDER BY p.opened_at, p.id) - 1 "  # noqa: S608 - model metadata
        f"FROM {connection.ops.quote_name(Position._meta.db_table)} p "
        "WHERE p.market_id = %s AND p.side = %s AND p.status = %s "
        # In id order: the socialized split's largest-remainder ties must not follow disk order.
        "ORDER BY p.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [market.pk, side, Position.Status.OPEN])
        rows = cursor.fetchall()
    convert = book.convert
    return [BookRow(*convert(row[:-1]), row[-1]) for row in rows]


def holders_at_mark(market: Market, *, side: str, price: Decimal | None) -> list[Holder]:
    """Open positions of one side valued at the last mark (id order), for ADL and display."""
    if price is None:
        return []
    value = HolderValuer(market.contract, price, side=side)
    return [
        value(row.id, row.account, row.opened, row.qty, row.entry_price, row.margin)
        for row in open_book(market, side=side)
    ]


def adl_queue(market: Market, *, side: str) -> list[tuple[Holder, int]]:
    """One side's ADL queue at the last mark: (holder, quintile 1–5), front first."""
    ranked = adl_rank(holders_at_mark(market, side=side, price=last_mark_price(market)))
    return [(holder, adl_quintile(index, len(ranked))) for index, holder in enumerate(ranked)]


def adl_score_text(holder: Holder) -> str | None:
    """The ADL score as a decimal string (8 places) for display; None when it has none."""
    score = adl_score(upnl=holder.upnl, margin=holder.margin, notional=holder.notional)
    if score is None:
        return None
    return format(
        (Decimal(score.numerator) / Decimal(score.denominator)).quantize(Decimal("1e-8")), "f"
    )


def market_risk_summary(market: Market) -> dict:
    """The public aggregate: mode, last mark, open interest, fund balance, ADL light counts."""
    mark = last_mark_price(market)
    lights = {}
    for side in (Position.Side.LONG, Position.Side.SHORT):
        counts = [0] * 5
        for _, quintile in adl_queue(market, side=side):
            counts[quintile - 1] += 1
        lights[side] = counts
    return {
        "symbol": market.symbol,
        "kind": market.kind,
        "fund": market.fund.name,
        "asset": market.asset.symbol,
        "decimals": market.asset.decimals,
        "risk_mode": market.risk_mode,
        "last_mark": mark,
        "open_interest": open_interest(market, price=mark) if mark else 0,
        "fund_balance": fund_balance(market.fund),
        "adl_lights": lights,
    }


def adl_queue_rows(market: Market, *, account: str | None = None) -> list[dict]:
    """Both sides' ADL queues as rows, front first; only ``account``'s rows when given."""
    rows = []
    for side in (Position.Side.LONG, Position.Side.SHORT):
        for holder, quintile in adl_queue(market, side=side):
            if account is None or holder.account == account:
                rows.append(
                    {
                        "position": holder.ref,
                        "account": holder.account,
                        "side": side,
                        "qty": holder.qty,
                        "upnl": holder.upnl,
                        "score": adl_score_text(holder),
                        "quintile": quintile,
                    }
                )
    return rows


def settlements_recent(market: Market, *, limit: int = 50):
    """The market's latest settlements with their liquidations, newest first."""
    return (
        Settlement.objects.filter(liquidation__market=market)
        .select_related("liquidation", "review_payout")
        .order_by("-settled_at", "-id")[:limit]
    )


def losses_borne(market: Market) -> dict[str, int]:
    """How the market's liquidation losses were covered, summed over all its settlements."""
    rows = Settlement.objects.filter(liquidation__market=market).values_list(
        "fund_delta", "socialized", "deficit", "review"
    )
    totals = {"surplus": 0, "cover": 0, "socialized": 0, "deficit": 0, "review": 0}
    for fund_delta, socialized, deficit, review in rows:
        totals["surplus" if fund_delta > 0 else "cover"] += abs(fund_delta)
        totals["socialized"] += socialized
        totals["deficit"] += deficit
        totals["review"] += review
    return totals


def staff_overview() -> dict:
    """What admins watch: liquidations not yet settled, deficits and reviews, latest settlements."""
    return {
        "unsettled": Liquidation.objects.exclude(status=Liquidation.Status.SETTLED)
        .select_related("market")
        .order_by("taken_over_at", "id")[:100],
        "deficits": LedgerAccount.objects.filter(kind=LedgerAccount.Kind.UNCOVERED_DEFICIT)
        .select_related("asset")
        .order_by("key"),
        "reviews": Settlement.objects.filter(review__gt=0)
        .select_related("liquidation__market", "review_payout")
        .order_by("-settled_at", "-id")[:50],
        "recent": Settlement.objects.select_related("liquidation__market", "fund").order_by("-id")[
            :50
        ],
    }
