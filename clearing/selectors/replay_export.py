"""Recent clearing history as replay lines (DESIGN.md "Replay"), so it can be run again.

The governance impact preview replays the last 30 days under current and under proposed
parameter values, and ``manage.py replay_export`` writes the same lines to a file. A pure
read: it books nothing. The format has no line for a position already open, so the state at
the window start is carried by the lines it has (decision 025): each fund opens with its
balance then, each trader with one deposit, and each position open then is rebuilt by its own
earlier fills (ADL reductions as fills at the bankruptcy price), all timed at the start.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import Min, Q

from clearing.formulas import price_text
from clearing.models import Fill, Liquidation, Market, MarkPrice, Position, Settlement
from common.exceptions import Invalid
from fund.models import FundEntry, LedgerAccount, Posting
from fund.selectors.ledger import fund_balance_at
from governance.models import ParamValue
from governance.registry import REGISTRY

PARAM_APPS = ("clearing", "fund")  # the parameters clearing and settlement read
BEFORE = timedelta(microseconds=1)  # PostgreSQL's resolution: "strictly before the start"
LIVE = (Position.Status.OPEN, Position.Status.TAKEN_OVER)


@dataclass(frozen=True)
class ReplayExport:
    since: datetime  # the start asked for
    start: datetime  # the start used: earlier when a liquidation straddled ``since``
    until: datetime
    lines: list[str]
    events: int  # fills, marks and closes inside the window
    opening_positions: int
    notes: list[str]


@dataclass
class _Opening:
    """A position open at the start, and the steps (fill line fields) that rebuild it."""

    position: Position
    steps: list[tuple[tuple, dict]] = field(default_factory=list)
    qty: Decimal = Decimal(0)
    charged: bool = False  # a socialized loss moved its entry before the start


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _line(kind: str, /, **fields) -> str:
    return json.dumps({"type": kind, **fields}, separators=(",", ":"))


def replay_window_start(since: datetime) -> datetime:
    """``since``, moved back to the takeover of any liquidation still unsettled at it.

    The format cannot open a position as already taken over, so such a liquidation is
    replayed whole: its takeover mark, its close and its settlement fall inside the window.
    """
    start = since
    while True:
        earlier = (
            Liquidation.objects.filter(taken_over_at__lt=start)
            .filter(
                Q(closed_at__isnull=True)
                | Q(closed_at__gte=start)
                | ~Q(status=Liquidation.Status.SETTLED)
            )
            .aggregate(first=Min("taken_over_at"))["first"]
        )
        if earlier is None:
            return start
        start = earlier


def _changed_since(start: datetime) -> Q:
    """Positions that fills, liquidations, ADL or socialized charges changed from ``start`` on."""
    deleveraged: set[int] = set()
    rows = (
        Settlement.objects.filter(settled_at__gte=start)
        .exclude(adl=[], socialized_charges=[])
        .values_list("adl", "socialized_charges")
    )
    for adl, charges in rows:
        deleveraged |= {row["position"] for row in adl + charges}
    return (
        Q(pk__in=Fill.objects.filter(ts__gte=start).values("position_id"))
        | Q(pk__in=Liquidation.objects.filter(taken_over_at__gte=start).values("position_id"))
        | Q(pk__in=deleveraged)
    )


def _opening_positions(start: datetime) -> list[_Opening]:
    """Positions open at ``start``, each with its earlier fills and ADL reductions."""
    candidates = {
        p.pk: _Opening(p)
        for p in Position.objects.filter(opened_at__lt=start)
        .filter(Q(status__in=LIVE) | _changed_since(start))
        .select_related("market__asset")
    }
    if not candidates:
        return []
    for fill in Fill.objects.filter(position_id__in=candidates, ts__lt=start).order_by("ts", "id"):
        opening = candidates[fill.position_id]
        adds = (fill.side == "buy") == (opening.position.side == Position.Side.LONG)
        opening.qty += fill.qty if adds else -fill.qty
        opening.steps.append(
            (
                (fill.ts, 0, fill.pk, 0),
                {
                    "id": fill.venue_id,
                    "side": fill.side,
                    "qty": price_text(fill.qty),
                    "price": price_text(fill.price),
                    "margin": str(fill.margin),
                },
            )
        )
    earlier = (
        Settlement.objects.filter(
            settled_at__lt=start,
            settled_at__gte=min(o.position.opened_at for o in candidates.values()),
            liquidation__market_id__in={o.position.market_id for o in candidates.values()},
        )
        .exclude(adl=[], socialized_charges=[])
        .select_related("liquidation")
    )
    for settlement in earlier:
        for row in settlement.socialized_charges:
            if row["position"] in candidates:
                candidates[row["position"]].charged = True
        for row in settlement.adl:
            opening = candidates.get(row["position"])
            if opening is None:
                continue
            opening.qty -= Decimal(row["qty"])
            long = opening.position.side == Position.Side.LONG
            opening.steps.append(
                (
                    (settlement.settled_at, 1, settlement.pk, opening.position.pk),
                    {
                        "id": f"adl-{settlement.pk}-{opening.position.pk}",
                        "side": "sell" if long else "buy",
                        "qty": row["qty"],
                        "price": price_text(settlement.liquidation.bankruptcy_price),
                        "margin": "0",
                    },
                )
            )
    liquidated = set(
        Liquidation.objects.filter(position_id__in=candidates, taken_over_at__lt=start).values_list(
            "position_id", flat=True
        )
    )
    return [
        opening
        for pk, opening in sorted(candidates.items())
        if opening.qty > 0 and pk not in liquidated
    ]


def _opening_balances(start: datetime, traders: set[tuple[str, str]]) -> dict:
    """Each trader's balance just before ``start``: the balance now less later postings."""
    accounts = [
        account
        for account in LedgerAccount.objects.filter(
            kind=LedgerAccount.Kind.TRADER_BALANCE, key__in={name for name, _ in traders}
        ).select_related("asset")
        if (account.key, account.asset.symbol) in traders
    ]
    owners = {account.pk: (account.key, account.asset.symbol) for account in accounts}
    balances = {owners[account.pk]: account.balance for account in accounts}
    later = Posting.objects.filter(account_id__in=owners, entry__event_time__gte=start)
    for account_id, amount in later.values_list("account_id", "amount"):
        balances[owners[account_id]] -= amount
    return balances


def _params(start: datetime, until: datetime, scopes: list[str]):
    """Values in force at ``start`` per scope, and the changes inside the window."""
    names = [name for name, param in REGISTRY.items() if param.app in PARAM_APPS]
    rows = ParamValue.objects.filter(
        name__in=names, scope__in=scopes, effective_at__lte=until
    ).order_by("effective_at", "id")
    opening: dict[str, dict] = {scope: {} for scope in scopes}
    changes = []
    for row in rows:
        if row.effective_at <= start:
            opening[row.scope][row.name] = row.value
        else:
            line = _line("params", scope=row.scope, values={row.name: row.value})
            changes.append(((row.effective_at, 0, row.pk), None, line))
    setup = [_line("params", scope=s, values=v) for s, v in opening.items() if v]
    return setup, changes


def params_in_force_lines(*, at: datetime, scopes: list[str]) -> list[str]:
    """The values of clearing's and fund's parameters in force at ``at``, as params lines.

    A scenario replayed away from the live books (the impact preview's sandbox) starts with
    them, so it runs under the rules in force now.
    """
    return _params(at, at, scopes)[0]


def _window_events(start: datetime, until: datetime, traders: set) -> tuple[list, dict]:
    """Fills, marks and closes inside the window as (sort key, market, line), and counts.

    At one moment a parameter change comes first, then deposits, fills and marks in the
    order they arrived, then closes (the venue closes what a mark took over).
    """
    fills = list(Fill.objects.filter(ts__gte=start, ts__lte=until).select_related("market__asset"))
    marks = list(
        MarkPrice.objects.filter(accepted=True, ts__gte=start, ts__lte=until).select_related(
            "market"
        )
    )
    closes = list(
        Liquidation.objects.filter(closed_at__gte=start, closed_at__lte=until).select_related(
            "market"
        )
    )
    events = []
    for fill in fills:
        traders.add((fill.account, fill.market.asset.symbol))
        line = _line(
            "fill",
            id=fill.venue_id,
            account=fill.account,
            market=fill.market.symbol,
            side=fill.side,
            qty=price_text(fill.qty),
            price=price_text(fill.price),
            fee=str(fill.fee),
            margin=str(fill.margin),
            ts=_time(fill.ts),
        )
        events.append(((fill.ts, 2, (fill.created_at, 0, fill.pk)), fill.market.symbol, line))
    for mark in marks:
        line = _line(
            "mark", market=mark.market.symbol, price=price_text(mark.price), ts=_time(mark.ts)
        )
        events.append(((mark.ts, 2, (mark.created_at, 1, mark.pk)), mark.market.symbol, line))
    for close in closes:
        line = _line(
            "close",
            account=close.account,
            market=close.market.symbol,
            price=price_text(close.close_price),
            ts=_time(close.closed_at),
        )
        events.append(((close.closed_at, 3, close.pk), close.market.symbol, line))
    return events, {"fills": len(fills), "marks": len(marks), "closes": len(closes)}


def _deposits(start: datetime, until: datetime, traders: set) -> list:
    """Trader deposits inside the window, as untimed lines placed at their event time."""
    rows = Posting.objects.filter(
        entry__kind="deposit",
        entry__event_time__gte=start,
        entry__event_time__lte=until,
        account__kind=LedgerAccount.Kind.TRADER_BALANCE,
        account__key__in={name for name, _ in traders},
    ).values_list("entry__event_time", "entry__seq", "account__key", "asset__symbol", "amount")
    return [
        ((at, 1, seq), None, _line("deposit", account=name, asset=asset, amount=str(amount)))
        for at, seq, name, asset, amount in rows
        if (name, asset) in traders
    ]


def _fund_notes(funds, start: datetime, until: datetime) -> list[str]:
    """Fund flows inside the window that no replay line carries (top-ups, stakes, payouts)."""
    outside = (
        FundEntry.objects.filter(fund__in=funds, event_time__gte=start, event_time__lte=until)
        .exclude(Q(entry__key__startswith="fill:") | Q(entry__key__startswith="liquidation:"))
        .values_list("fund__name", "kind", "change")
    )
    totals: dict[str, list] = defaultdict(lambda: [0, 0, set()])
    for name, kind, change in outside:
        totals[name][0] += 1
        totals[name][1] += change
        totals[name][2].add(kind)
    return [
        f"fund {name}: {count} entries outside clearing ({', '.join(sorted(kinds))}, "
        f"net {net}) are not replayed"
        for name, (count, net, kinds) in sorted(totals.items())
    ]


def replay_export(
    *, since: datetime, until: datetime, progress: Callable[[str], None] | None = None
) -> ReplayExport:
    """The live books' clearing history from ``since`` to ``until`` as replay lines."""
    if since >= until:
        raise Invalid.field("since", f"must be before until ({_time(until)}), got {_time(since)}")
    say = progress or (lambda text: None)
    start = replay_window_start(since)
    say(f"window {_time(start)} to {_time(until)}")
    openings = _opening_positions(start)
    say(f"{len(openings)} positions open at the start")
    traders = {(o.position.account, o.position.market.asset.symbol) for o in openings}
    events, counts = _window_events(start, until, traders)
    say(", ".join(f"{n} {kind}" for kind, n in counts.items()) + " in the window")
    symbols = {o.position.market.symbol for o in openings} | {e[1] for e in events}
    markets = list(
        Market.objects.filter(symbol__in=symbols).select_related("fund__asset").order_by("symbol")
    )
    funds = sorted({m.fund for m in markets}, key=lambda f: f.name)
    scopes = [
        "global",
        *(f"fund:{f.name}" for f in funds),
        *(f"market:{m.symbol}" for m in markets),
    ]
    setup_params, param_changes = _params(start, until, scopes)
    lines = _setup_lines(start, funds, markets) + setup_params
    lines += _opening_lines(start, openings, markets, traders)
    window = events + param_changes + _deposits(start, until, traders)
    lines += [line for _, _, line in sorted(window, key=lambda event: event[0])]
    say(f"{len(lines)} lines")
    return ReplayExport(
        since=since,
        start=start,
        until=until,
        lines=lines,
        events=sum(counts.values()),
        opening_positions=len(openings),
        notes=_notes(since, start, until, funds, openings),
    )


def _setup_lines(start: datetime, funds, markets) -> list[str]:
    """Assets, funds with their balance just before the start, markets."""
    assets = sorted({f.asset for f in funds}, key=lambda a: a.symbol)
    lines = [_line("asset", symbol=a.symbol, decimals=a.decimals) for a in assets]
    lines += [
        _line(
            "fund",
            name=f.name,
            asset=f.asset.symbol,
            balance=str(fund_balance_at(f, at=start - BEFORE)),
        )
        for f in funds
    ]
    lines += [
        _line(
            "market",
            symbol=m.symbol,
            kind=m.kind,
            fund=m.fund.name,
            lot=price_text(m.lot),
            tick=price_text(m.tick),
            mmr=price_text(m.mmr),
            imr=price_text(m.imr),
            face=price_text(m.face),
        )
        for m in markets
    ]
    return lines


def _notes(since: datetime, start: datetime, until: datetime, funds, openings) -> list[str]:
    """What the replay of the export will not reproduce as it happened."""
    notes = []
    if start < since:
        notes.append(
            f"the window starts at {_time(start)}: a liquidation taken over then was not "
            f"settled by {_time(since)}"
        )
    notes += _fund_notes(funds, start, until)
    charged = sum(o.charged for o in openings)
    if charged:
        notes.append(
            f"{charged} positions open at the start carry a socialized loss from before it; "
            "they open at their entry before the charge"
        )
    pending = Liquidation.objects.filter(taken_over_at__gte=start, taken_over_at__lte=until).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=until)
    )
    count = pending.count()
    if count:
        notes.append(
            f"{count} liquidations were not closed by the end: the replay closes them at the "
            "last mark"
        )
    return notes


def _opening_lines(start: datetime, openings: list[_Opening], markets, traders: set) -> list[str]:
    """Deposits, the last mark before the start, then the open positions' fills, at the start.

    Each trader deposits the balance they had plus the margin their rebuilt positions take,
    so the rebuilding fills (fee 0: the fund's balance already holds their fee take) leave
    them at least what they had. The mark comes before the fills so it takes nothing over.
    """
    ts = _time(start)
    margins: dict[tuple[str, str], int] = defaultdict(int)
    for opening in openings:
        key = (opening.position.account, opening.position.market.asset.symbol)
        margins[key] += sum(int(step["margin"]) for _, step in opening.steps)
    balances = _opening_balances(start, traders)
    lines = []
    for name, asset in sorted(traders):
        amount = balances.get((name, asset), 0) + margins[(name, asset)]
        if amount > 0:
            lines.append(_line("deposit", account=name, asset=asset, amount=str(amount)))
    for market in markets:
        price = (
            MarkPrice.objects.filter(market=market, accepted=True, ts__lt=start)
            .order_by("-ts", "-id")
            .values_list("price", flat=True)
            .first()
        )
        if price is not None:
            lines.append(_line("mark", market=market.symbol, price=price_text(price), ts=ts))
    steps = sorted(
        ((key, opening.position, step) for opening in openings for key, step in opening.steps),
        key=lambda item: item[0],
    )
    for _, position, step in steps:
        lines.append(
            _line(
                "fill",
                id=step["id"],
                account=position.account,
                market=position.market.symbol,
                side=step["side"],
                qty=step["qty"],
                price=step["price"],
                fee="0",
                margin=step["margin"],
                ts=ts,
            )
        )
    return lines
