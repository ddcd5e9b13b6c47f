"""Real worker processes on real Redis and PostgreSQL: crashes lose and double nothing.

Each test builds small crash books through the real services (closes queue the market's
settlement task on commit, to Redis) and lets worker processes settle them while something
goes wrong: a worker killed with SIGKILL, the database dropping every connection, Redis
losing every queued message. Afterwards every liquidation is settled exactly once and
``ledger_check`` proves the books. Batches are tiny so one book makes many transactions.
"""

from __future__ import annotations

import os
import time

import pytest
import redis
from django.db import connection

from clearing.models import Settlement
from tests.settlement.books import USDC, books_of, crash_book, crash_book_close, crash_book_open
from tests.settlement.checks import assert_settled_exactly_once, pending, settle_all
from tests.settlement.conftest import BROKER, wait_until

pytestmark = pytest.mark.worker
OPENING = 3_000 * USDC  # what crash_book tops each fund up with
KILL_ROUNDS = int(os.environ.get("SETTLEMENT_KILL_ROUNDS", "20"))  # the soak command: more


def test_kill_a_worker_mid_settlement_repeatedly(workers):
    """Two workers settle; each round a new book closes and, as soon as its settling has
    begun, a worker is killed -9: its pool process (the worker re-queues the task at once,
    reject_on_worker_lost) in most rounds, the whole worker in every fifth (the message it
    held stays unacked until the visibility timeout, so the sweeper re-queues from the
    database). A killed worker is replaced."""
    workers.env["SETTLEMENT_BATCH_SIZE"] = "2"
    tags = [f"kill{round_:02d}z" for round_ in range(KILL_ROUNDS)]
    books = [crash_book_open(tag=tag, traders=10, seed=i) for i, tag in enumerate(tags)]
    live = workers.start(2)
    ids: list[int] = []
    kills_mid_book = 0
    for round_, closes in enumerate(books):
        book = crash_book_close(closes)
        ids += book
        assert wait_until(
            lambda b=book: Settlement.objects.filter(liquidation_id__in=b).exists(), timeout=60
        ), f"round {round_}: no worker settled anything within 60 s"
        mid_book = 0 < pending(book) < len(book)
        slot = round_ % 2
        if round_ % 5 == 4:
            workers.kill(live[slot])
            live[slot] = workers.start(1)[0]
            killed = True
        else:  # the other worker may still be booting after a replacement
            killed = workers.kill_child(live[slot]) or workers.kill_child(live[1 - slot])
        kills_mid_book += mid_book and killed
    # On a fast machine a small book may finish before the kill lands; a quarter of the
    # rounds killing a worker mid-book is what the test needs to mean something.
    assert kills_mid_book >= KILL_ROUNDS // 4
    assert settle_all(ids, sweep=True)
    assert_settled_exactly_once(ids, dict.fromkeys(tags, OPENING))


def test_one_two_and_four_workers_give_the_same_books(workers):
    """The same input on one fund settled by 1, 2 and 4 competing workers: identical books
    (per-market order under the fund lock makes the outcome independent of who settles)."""
    workers.env["SETTLEMENT_BATCH_SIZE"] = "2"
    all_ids = []
    for tag, count in (("oneW", 1), ("twoW", 2), ("fourW", 4)):
        workers.start(count)
        ids = crash_book(tag=tag, traders=14, policy="socialize")
        assert settle_all(ids, sweep=False, timeout=90)
        workers.stop_all()
        all_ids += ids
    one, two, four = books_of("oneW"), books_of("twoW"), books_of("fourW")
    assert one == two == four
    assert len(one["settlements"]) >= 10
    assert_settled_exactly_once(all_ids, {"oneW": OPENING, "twoW": OPENING, "fourW": OPENING})


def _terminate_worker_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize("conn_max_age", ["0", "60"], ids=["per-task", "kept"])
def test_database_drops_every_connection_during_settlement(workers, conn_max_age):
    """What a PostgreSQL restart looks like to a client: every worker connection is
    terminated, repeatedly, mid-settlement. Tasks retry with backoff and finish; the sweeper
    is not run, so nothing is recovered except by the retries. Workers that keep their
    connection across tasks, as in production (decision 037), find it dead at their next task
    and reconnect."""
    workers.env["SETTLEMENT_BATCH_SIZE"] = "2"
    workers.env["CONN_MAX_AGE"] = conn_max_age
    ids = crash_book(tag="dbdown", traders=20)
    workers.start(2)
    assert wait_until(lambda: pending(ids) < len(ids), timeout=60, interval=0.05)
    terminated = 0
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline and pending(ids):
        terminated += _terminate_worker_backends()
        time.sleep(0.15)
    assert terminated > 0
    assert settle_all(ids, sweep=False, timeout=120)
    assert_settled_exactly_once(ids, {"dbdown": OPENING})


def test_a_worker_keeps_its_connection_across_tasks(workers):
    """As in production (decision 037): one worker settles a market batch by batch, a task
    each, over one database session, which is still open, idle, when the work is done."""
    workers.env["SETTLEMENT_BATCH_SIZE"] = "2"
    workers.env["CONN_MAX_AGE"] = "60"
    ids = crash_book(tag="kept", traders=20)
    workers.start(1)
    assert settle_all(ids, sweep=False, timeout=90)
    batches = Settlement.objects.filter(liquidation_id__in=ids).values("created_at").distinct()
    assert batches.count() >= 5
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT backend_start FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        sessions = [started for (started,) in cursor.fetchall()]
    first = Settlement.objects.filter(liquidation_id__in=ids).order_by("created_at").first()
    assert len(sessions) == 1 and sessions[0] < first.created_at


def test_redis_loses_every_message_and_the_sweeper_recovers(workers):
    """What a Redis restart without persistence does: every queued and unacked message is
    gone (FLUSHDB on the test's Redis database, mid-settlement). Nothing settles those
    liquidations again until the sweeper re-queues their markets from the database."""
    workers.env["SETTLEMENT_BATCH_SIZE"] = "1"
    ids = crash_book(tag="redisdown", traders=20)
    workers.start(1)
    assert wait_until(lambda: pending(ids) < len(ids), timeout=60, interval=0.05)
    redis.Redis.from_url(BROKER).flushdb()
    waiting = pending(ids)
    assert waiting
    assert settle_all(ids, sweep=True)
    assert_settled_exactly_once(ids, {"redisdown": OPENING})
