"""Benchmark: settling the peak minute of a crash day (10 Oct 2025) with 2 Celery workers.

    .venv/bin/python benchmarks/crash_day.py [--liquidations N] [--open N] [--mode batch|one]
        [--pace SECONDS] [--profile N] [--measure N] [--adl] [--profile-only] [--no-pgbench]

On 10 Oct 2025 about $3.21 B was liquidated in the peak 60 s, about 272,000 liquidations at
that day's mean size. This builds a book on a scratch PostgreSQL database (``BENCH_DATABASE_URL``,
default …/backstop_bench_settlement, dropped and migrated first): two linear markets on two
funds, N leveraged longs that one mark 15 % down takes over (the real ``marks_ingest``: index
range query, bulk takeover) and ``--open`` positions that stay open (the rest of the book; they
weigh on open interest and risk modes). Positions and their margin are bulk-loaded (the fills
path is too slow for setup); everything after the takeover runs through the real services.

The venue's closes are released in one-second slices over ``--pace`` seconds (0: all at
once): each slice is marked closed in one UPDATE and its markets' settlement tasks queued, as
``closes_ingest`` does on commit. Two worker processes (``celery worker``, Redis DB 12)
settle. Printed: settlements/s, p50/p99 latency from a liquidation's release (its close
reaching us) to its settlement commit, and pgbench tpcb-like TPS (2 clients, 10 s) in the
same run. ``--mode one`` queues one ``settle_liquidation_task`` per liquidation (the
one-by-one path, a transaction each) instead of per-market batches. ``--profile N`` settles
N liquidations in this process under cProfile first and prints the hot path; ``--measure N``
settles N in this process and prints CPU per settlement (this process and its PostgreSQL
backend), statements sent and WAL written per settlement; ``--adl`` then raises the first
fund's reserve floor above its balance and profiles or measures as many again (the funds
empty: every shortfall goes to ADL against the open shorts, as in the peak minute's last
phases); ``--profile-only`` stops after those.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cputime import backend_cpu, per_unit, process_cpu  # noqa: E402

from benchmarks.ledger_posting import SERVER, pgbench_tps, recreate  # noqa: E402

URL = os.environ.get("BENCH_DATABASE_URL", f"{SERVER}/backstop_bench_settlement")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
T0 = datetime(2025, 10, 10, 20, 0, tzinfo=UTC)
CRASH = datetime(2025, 10, 10, 21, 15, tzinfo=UTC)
TOP = Decimal("121500")
MARKETS = ("BTC-USDC", "BTC-PERP")  # two linear markets, each on its own fund
USDC = 10**6


def django_setup() -> None:
    os.environ["DATABASE_URL"] = URL
    os.environ["CELERY_BROKER_URL"] = BROKER
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["DEBUG"] = "0"
    # Base settings as in production: persistent connections (CONN_MAX_AGE), broker required.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(
    liquidations: int, open_positions: int, seed: int = 20251010, *, analyze: bool = False
) -> None:
    """Markets, funds, the book (bulk), margin in the ledger, then the mark takes over;
    ``analyze`` then gathers the planner's statistics (the in-process figures: a table
    loaded a moment ago has none, and the plans it gets are not those a worker sees)."""
    from django.db import connection

    from clearing.formulas import notional, to_tick
    from clearing.models import Position
    from clearing.services.markets import fund_top_up, market_create
    from clearing.services.marks import MarkInput, marks_ingest
    from clearing.services.positions import position_prices_refresh
    from fund.models import LedgerAccount
    from fund.services.funds import asset_create, fund_create
    from fund.services.ledger import EntryInput, ledger_entries_post

    rng = random.Random(seed)
    usdc = asset_create(symbol="USDC", decimals=6, actor="bench")
    external = LedgerAccount.objects.create(kind="external", asset=usdc, key="USDC")
    markets = []
    for index, symbol in enumerate(MARKETS):
        fund = fund_create(name=f"fund{index}", asset=usdc, actor="bench")
        fund_top_up(fund=fund, amount=10**9 * USDC, key=f"top{index}", event_time=T0)
        markets.append(
            market_create(
                symbol=symbol,
                kind="linear",
                fund=fund,
                lot=Decimal("0.001"),
                tick=Decimal("0.1"),
                mmr=Decimal("0.005"),
                actor="bench",
            )
        )
    positions = []
    total = liquidations + open_positions
    for index in range(total):
        market = markets[index % len(markets)]
        taken = index < liquidations
        side = "long" if taken or rng.random() < 0.5 else "short"
        entry = to_tick(TOP * (1 + Decimal(rng.randint(-100, 100)) / 10_000), market.tick, up=False)
        qty = Decimal(rng.randint(10, 2_000)) * market.lot
        leverage = rng.choice([10, 20, 25, 50, 100]) if taken else rng.choice([2, 3])
        margin = max(1, notional(market.contract, qty=qty, price=entry) // leverage)
        position = Position(
            account=f"t{index:07d}",
            market=market,
            side=side,
            qty=qty,
            entry_price=entry,
            margin=margin,
            opened_at=T0 + timedelta(microseconds=index),
        )
        position_prices_refresh(position, market)
        positions.append(position)
    Position.objects.bulk_create(positions, batch_size=5_000)
    accounts = [
        LedgerAccount(
            kind=kind,
            asset=usdc,
            key=f"{p.account}|{p.market.symbol}" if kind == "trader_margin" else p.account,
            protected=True,
        )
        for p in positions
        for kind in ("trader_margin", "trader_balance")
    ]
    LedgerAccount.objects.bulk_create(accounts, batch_size=5_000)
    margins = [(account, p.margin) for account, p in zip(accounts[::2], positions, strict=True)]
    for start in range(0, len(margins), 1_000):
        chunk = margins[start : start + 1_000]
        ledger_entries_post(
            entries=[
                EntryInput(
                    key=f"open:{start}",
                    kind="fill_margin",
                    postings=[*chunk, (external, -sum(amount for _, amount in chunk))],
                    event_time=T0,
                    memo="opening margin (benchmark load)",
                )
            ]
        )
    for market in markets:  # one mark, 15 % down: takes over every leveraged long
        marks_ingest(
            marks=[
                MarkInput(
                    market.symbol, to_tick(TOP * Decimal("0.85"), market.tick, up=False), CRASH
                )
            ]
        )
    if analyze:  # the statistics autovacuum would have gathered by the time a crash settles
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def release_slices(mode: str, pace: float) -> tuple[dict[int, float], float]:
    """Close the taken-over liquidations slice by slice; queue their settlement. Returns the
    release time of each liquidation id."""
    from django.db import connection

    from clearing.models import Liquidation, Market
    from clearing.tasks import settle_liquidation_task, settle_market_task

    waiting = Liquidation.objects.filter(status=Liquidation.Status.TAKEN_OVER)
    slices = max(1, int(pace))
    ids = _interleaved(list(waiting.values_list("market_id", "id")), slices)
    size = -(-len(ids) // slices)
    released: dict[int, float] = {}
    markets = list(Market.objects.values_list("pk", flat=True))
    # One by one, close times follow ids, so each task settles its own liquidation (FIFO by
    # close time would otherwise make the first task of a market settle a whole batch).
    closing = "1 + id / 1000.0" if mode == "one" else "1 + id %% 59"
    start = time.time()
    for number in range(slices):
        chunk = ids[number * size : (number + 1) * size]
        if not chunk:
            break
        target = start + number * (pace / slices if pace else 0)
        time.sleep(max(0.0, target - time.time()))
        with connection.cursor() as cursor:  # the venue's closes: 0–3 % below the mark
            cursor.execute(
                "UPDATE clearing_liquidation SET status = 'closed', "
                "close_price = round(mark_price * (1 - (id %% 31)::numeric / 1000), 1), "
                f"closed_at = taken_over_at + make_interval(secs => {closing}) "
                "WHERE id = ANY(%s)",
                [chunk],
            )
        moment = time.time()
        released.update(dict.fromkeys(chunk, moment))
        if mode == "one":
            for pk in chunk:
                settle_liquidation_task.delay(pk)
        else:
            for market_id in markets:
                settle_market_task.delay(market_id)
    return released, start


def _interleaved(rows: list[tuple[int, int]], slices: int) -> list[int]:
    """Liquidation ids (from ``(market, id)`` rows) in release order: every market's
    liquidations spread over the whole minute, each market's in id order, as a crash hits all
    markets at once. In id order the book's markets would come one after the other."""
    by_market: dict[int, list[int]] = {}
    for market_id, pk in sorted(rows):
        by_market.setdefault(market_id, []).append(pk)
    sizes = {market_id: -(-len(ids) // slices) for market_id, ids in by_market.items()}
    order = []
    for number in range(slices):
        for market_id, ids in by_market.items():
            size = sizes[market_id]
            order += ids[number * size : (number + 1) * size]
    return order


def start_workers(count: int, batch: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SETTLEMENT_BATCH_SIZE": str(batch),
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
    }
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "clearing",
                "--concurrency",
                "1",
                "-n",
                f"bench{i}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for i in range(count)
    ]


def _settle_in_process(count: int, mode: str, batch: int, run) -> int:
    """Close ``count`` liquidations of the first market at the mark, then settle them in this
    process (``mode``, batches of ``batch``) inside ``run`` (a context manager factory);
    returns how many settled."""
    from django.db import connection

    from clearing.models import Liquidation, Market, Settlement
    from clearing.services.settlement import liquidation_settle, liquidations_settle_pending

    market = Market.objects.select_related("fund__asset", "asset").order_by("pk").first()
    ids = list(
        Liquidation.objects.filter(market=market, status=Liquidation.Status.TAKEN_OVER)
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clearing_liquidation SET status = 'closed', close_price = mark_price, "
            "closed_at = taken_over_at + interval '1 second' WHERE id = ANY(%s)",
            [ids],
        )
    with run():
        if mode == "one":
            for pk in ids:
                liquidation_settle(liquidation_id=pk)
        else:
            while liquidations_settle_pending(market=market, limit=batch):
                pass
    # The first market holds about half the liquidations: count what was really settled.
    return Settlement.objects.filter(liquidation_id__in=ids).count()


def profile(count: int, mode: str, batch: int) -> None:
    """Settle ``count`` liquidations of the first market in this process under cProfile."""
    profiler = cProfile.Profile()

    @contextlib.contextmanager
    def profiled():
        profiler.enable()
        yield
        profiler.disable()

    started = time.perf_counter()
    settled = _settle_in_process(count, mode, batch, profiled)
    elapsed = time.perf_counter() - started
    print(f"profile: {settled} settled in-process in {elapsed:.2f} s ({settled / elapsed:,.0f}/s)")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"/(clearing|fund|common|governance)/", 22)
    stats.sort_stats("tottime").print_stats(12)


def measure(count: int, mode: str, batch: int) -> None:
    """Settle ``count`` liquidations in this process and print the CPU each settlement cost
    this process and its PostgreSQL backend, and the statements it sent: per-unit figures
    that move far less with the machine's load than a rate does."""
    from django.db import connection

    def wal() -> int:  # the server's WAL position (every session's writes, not only ours)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
            return int(cursor.fetchone()[0])

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    sent = [0]

    def counted(execute, sql, params, many, context):
        sent[0] += 1
        return execute(sql, params, many, context)

    figures = {}

    @contextlib.contextmanager
    def timed():
        written = wal()
        started = (time.perf_counter(), process_cpu(), backend_cpu([pid]))
        with connection.execute_wrapper(counted):
            yield
        wall, python, server = time.perf_counter(), process_cpu(), backend_cpu([pid])
        figures.update(
            wall=wall - started[0],
            python=python - started[1],
            server=None if server is None else server - started[2],
            wal=wal() - written,
        )

    settled = _settle_in_process(count, mode, batch, timed)
    print(
        f"measure ({mode}): {settled} settled in-process in {figures['wall']:.2f} s, "
        f"{sent[0] / settled:.2f} statements sent per settlement, "
        f"{figures['wal'] / settled / 1024:.1f} kB of WAL per settlement"
    )
    print(per_unit("settlement", settled, figures["python"], figures["server"]))


def funds_empty() -> None:
    """The first market's fund keeps nothing to cover with: its reserve floor is raised above
    any balance, so every shortfall from now on goes to ADL (the peak minute's last phases)."""
    from clearing.models import Market
    from governance.services.params import param_value_set

    fund = Market.objects.select_related("fund").order_by("pk").first().fund
    param_value_set(
        name="reserve_floor",
        scope=f"fund:{fund.name}",
        value=str(10**18),
        source="benchmark: funds empty",
        actor="bench",
        effective_at=T0,
    )


def in_process(args: argparse.Namespace) -> None:
    """``--profile`` and ``--measure``, then (``--adl``) both again with the funds empty."""
    for adl in (False, True) if args.adl else (False,):
        if adl:
            funds_empty()
            print("funds empty: every shortfall goes to ADL")
        if args.profile:
            profile(args.profile, args.mode, args.batch)
        if args.measure:
            measure(args.measure, args.mode, args.batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--liquidations", type=int, default=272_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--mode", choices=["batch", "one"], default="batch")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--pace", type=float, default=60.0)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--measure", type=int, default=0)
    parser.add_argument("--adl", action="store_true")
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--profile-only", action="store_true")
    args = parser.parse_args()

    recreate(URL)
    django_setup()
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    started = time.perf_counter()
    build(args.liquidations, args.open, analyze=bool(args.profile or args.measure))
    from clearing.models import Liquidation, Settlement

    taken = Liquidation.objects.count()
    built = time.perf_counter() - started
    print(f"book: {taken:,} taken over, {args.open:,} open, built in {built:.0f} s")
    in_process(args)
    if args.profile_only:
        return
    procs = start_workers(2, args.batch)
    time.sleep(8)  # let the workers boot before the clock starts
    try:
        already = Settlement.objects.count()  # the in-process profile's
        released, start = release_slices(args.mode, args.pace)
        target = len(released) + already
        while Settlement.objects.count() < target:
            time.sleep(0.5)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    rows = Settlement.objects.filter(liquidation_id__in=list(released)).values_list(
        "liquidation_id", "created_at"
    )
    done = {pk: at.timestamp() for pk, at in rows}
    latencies = sorted(done[pk] - released[pk] for pk in released)
    elapsed = max(done.values()) - start
    rate = len(released) / elapsed
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"mode {args.mode}, batch {args.batch}, released over {args.pace:.0f} s, 2 workers")
    print(f"settled {len(released):,} in {elapsed:.1f} s: {rate:,.0f} settlements/s")
    print(f"latency release → settled: p50 {p50:.2f} s, p99 {p99:.2f} s")
    if not args.no_pgbench:
        tps = pgbench_tps()
        print(f"pgbench tpcb-like, 2 clients, 10 s: {tps:,.0f} TPS ({rate / tps:.0%} of it)")


if __name__ == "__main__":
    main()
