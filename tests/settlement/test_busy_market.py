"""A market task that finds its market being settled moves on; the batch settling it sees to
what arrived meanwhile (decision 039)."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection
from django.test.utils import override_settings

from clearing.models import Liquidation, Market, Settlement
from clearing.tasks import settle_market_task
from common.locking import lock_key
from fund.models import Fund
from fund.selectors.ledger import fund_balance
from tests.settlement.books import crash_book_close, crash_book_open
from tests.settlement.checks import assert_settled_exactly_once
from tests.settlement.conftest import database_url, wait_until


def _other_session() -> psycopg.Connection:
    return psycopg.connect(database_url(), autocommit=True)


def _market_lock(market: Market) -> int:
    return lock_key(f"settling:market:{market.pk}")


@pytest.mark.django_db
def test_a_market_another_batch_is_settling_is_skipped_not_waited_for():
    closes = crash_book_open(tag="skip", traders=6)
    ids = crash_book_close(closes)  # plain db test: the tasks queued on commit never ran
    market = Market.objects.get(symbol="skip-USDC")
    with _other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [_market_lock(market)])
        assert settle_market_task.apply(args=[market.pk]).get() == {
            "market": market.pk,
            "settled": 0,
            "busy": True,
        }
        assert not Settlement.objects.filter(liquidation_id__in=ids).exists()
        other.execute("SELECT pg_advisory_unlock(%s)", [_market_lock(market)])
    assert settle_market_task.apply(args=[market.pk]).get()["settled"] == len(ids)


@override_settings(SETTLEMENT_BATCH_SIZE=1000)
def test_a_close_that_arrives_while_its_market_settles_is_settled_by_that_batch(
    transactional_db,
):
    """The close's own task finds the market busy and returns; the batch, which read its
    liquidations before the close, finds it waiting after its commit and queues the market
    again, so nothing waits for the sweeper."""
    closes = crash_book_open(tag="late", traders=8)
    market = Market.objects.get(symbol="late-USDC")
    opening = fund_balance(Fund.objects.get(name="late"))
    with _other_session() as holder, _other_session() as watcher:
        holder.execute("SELECT pg_advisory_lock(%s)", [_market_lock(market)])
        crash_book_close(closes[:-1])  # their tasks (eager, on commit) find it busy
        assert not Settlement.objects.exists()
        # The holder makes the next batch wait on the ledger, after it read its liquidations.
        holder.execute("BEGIN")
        holder.execute("SELECT id FROM fund_ledgerhead WHERE id = 1 FOR UPDATE")
        holder.execute("SELECT pg_advisory_unlock(%s)", [_market_lock(market)])
        results = []

        def batch() -> None:
            try:
                results.append(settle_market_task.apply(args=[market.pk]).get())
            finally:
                connection.close()

        thread = threading.Thread(target=batch)
        thread.start()
        assert wait_until(
            lambda: (
                watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                ).fetchone()[0]
                == 1
            ),
            timeout=30,
        )
        crash_book_close(closes[-1:])  # its task finds the market busy (within the batch's
        # lock timeout of 5 s)
        holder.execute("COMMIT")
        thread.join(timeout=60)
    assert results == [{"market": market.pk, "settled": len(closes) - 1}]
    ids = list(Liquidation.objects.filter(market=market).values_list("pk", flat=True))
    assert len(ids) == len(closes)
    assert_settled_exactly_once(ids, {"late": opening})
