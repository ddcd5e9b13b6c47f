"""The batched path books exactly what settling one by one books, on the same input."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.test.utils import override_settings

from clearing.models import Liquidation, Market, Position, Settlement
from clearing.selectors import last_mark_price
from clearing.services.positions import position_prices_refresh
from clearing.services.settlement import liquidation_settle, liquidations_settle_pending
from clearing.services.settlement_state import OppositeBook
from common.exceptions import LockTimeout
from fund.models import Entry
from tests.settlement.books import books_of, crash_book, crash_book_open

pytestmark = pytest.mark.django_db


def _build(tag: str, policy: str) -> list[int]:
    # Plain db tests never commit, so the tasks closes_ingest queues on commit never run:
    # each test settles explicitly.
    return crash_book(tag=tag, traders=16, policy=policy)


@pytest.mark.parametrize("policy", ["adl", "socialize", "review"])
def test_batch_equals_one_by_one(policy):
    ones = _build(f"one{policy}", policy)
    batch = _build(f"bat{policy}", policy)
    assert len(ones) == len(batch) > 10
    for liquidation_id in ones:
        liquidation_settle(liquidation_id=liquidation_id)
    market = Market.objects.get(symbol=f"bat{policy}-USDC")
    sizes = []
    while settled := liquidations_settle_pending(market=market, limit=7):
        sizes.append(settled)
    assert sizes[0] == 7 and sum(sizes) == len(batch)
    one, bat = books_of(f"one{policy}"), books_of(f"bat{policy}")
    assert one["settlements"] == bat["settlements"]
    assert one["balances"] == bat["balances"]
    assert one["positions"] == bat["positions"]
    outcomes = {tuple(s["amounts"][3:]) for s in bat["settlements"]}
    assert len(outcomes) > 3  # surplus, cover and beyond-cover cases all present
    assert any(s["amounts"][1] > s["amounts"][2] for s in bat["settlements"])


def test_batch_posts_the_same_entries_in_the_same_order():
    ones = _build("onech", "adl")
    for liquidation_id in ones:
        liquidation_settle(liquidation_id=liquidation_id)
    first = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    batch = _build("batch", "adl")
    start = Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    liquidations_settle_pending(market=Market.objects.get(symbol="batch-USDC"))

    def shape(tag, after, until=None):
        rows = Entry.objects.filter(seq__gt=after, key__startswith="liquidation:")
        if until:
            rows = rows.filter(seq__lte=until)
        out = []
        for entry in rows.order_by("seq").prefetch_related("postings__account"):
            postings = sorted(
                (p.account.kind, p.account.key.replace(tag, "X"), p.amount)
                for p in entry.postings.all()
            )
            part = entry.key.split(":")[2]  # pnl, cover, adl (position ids differ per copy)
            out.append((entry.kind, part, entry.event_time, postings))
        return out

    before = Entry.objects.filter(key__startswith="liquidation:", seq__lte=first).count()
    assert before and len(batch) == len(ones)
    assert shape("onech", 0, first) == shape("batch", start)


def test_settled_twice_books_nothing():
    ids = _build("twice", "adl")
    market = Market.objects.get(symbol="twice-USDC")
    liquidations_settle_pending(market=market)
    entries, settlements = Entry.objects.count(), Settlement.objects.count()
    assert liquidations_settle_pending(market=market) == 0
    for liquidation_id in ids:
        liquidation_settle(liquidation_id=liquidation_id)
    assert (Entry.objects.count(), Settlement.objects.count()) == (entries, settlements)
    assert not Liquidation.objects.filter(market=market).exclude(status="settled").exists()


@override_settings(SETTLEMENT_BATCH_SIZE=5)
def test_market_task_settles_in_order_and_requeues(django_capture_on_commit_callbacks):
    from clearing.tasks import settle_market_task

    ids = _build("task", "adl")
    market = Market.objects.get(symbol="task-USDC")
    with django_capture_on_commit_callbacks(execute=True):
        result = settle_market_task.delay(market.pk).get()
    assert result == {"market": market.pk, "settled": 5}
    settled = list(
        Settlement.objects.filter(fund=market.fund)
        .order_by("id")
        .values_list("liquidation_id", flat=True)
    )
    assert settled == ids  # the on-commit re-enqueue drained the rest, in close order


def test_a_position_changed_while_a_batch_settles_against_it_is_not_overwritten():
    """The batch writes the opposite positions it moved at its end, each only if it still
    holds what the batch read; a fill that changed one meanwhile makes the batch retry."""
    crash_book_open(tag="moved", traders=8)
    market = Market.objects.get(symbol="moved-USDC")
    mark = last_mark_price(market)
    first, second = [
        holder.ref for holder in OppositeBook(market, side="short", mark=mark).adl.ranked()
    ][:2]
    for ref, meanwhile in ((first, False), (second, True)):
        book = OppositeBook(market, side=Position.Side.SHORT, mark=mark)
        position = book.position(ref)
        position.qty -= market.lot
        book.moved(position)
        if not meanwhile:
            book.save()
            assert Position.objects.get(pk=ref).qty == position.qty
            continue
        Position.objects.filter(pk=ref).update(margin=F("margin") + 1)  # a fill meanwhile
        with pytest.raises(LockTimeout):
            book.save()


def test_positions_a_batch_moved_keep_their_prices_current():
    """ADL reduces the front of the queue several times in a batch without recomputing its
    prices each time; the book recomputes them once, before it writes the positions."""
    _build("fresh", "adl")
    market = Market.objects.get(symbol="fresh-USDC")
    liquidations_settle_pending(market=market)
    moved = Position.objects.filter(market=market, side="short")
    assert Settlement.objects.filter(fund=market.fund).exclude(adl=[]).exists()
    for position in moved:
        stored = (position.liquidation_price, position.bankruptcy_price, position.trigger_key)
        position_prices_refresh(position, market)
        assert stored == (
            position.liquidation_price,
            position.bankruptcy_price,
            position.trigger_key,
        )
