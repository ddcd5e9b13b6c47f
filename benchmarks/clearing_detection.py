"""Benchmark: finding the positions one mark move makes liquidatable, among 1,000,000.

    .venv/bin/python benchmarks/clearing_detection.py [--positions N] [--runs R]

Runs on a scratch PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres:postgres@127.0.0.1:5432/backstop_bench_clearing, dropped and migrated
first). N open positions on one market are bulk-loaded with COPY (half long with liquidation
prices spread below the 60,000 mark, half short above it), then ANALYZE. Measured, median and
p95 over R runs, for mark moves of −0.1 % and −1 %: the detection query the service runs
(``clearing.selectors.liquidatable_positions``, ids only) through the index, and the peer in
the same run: the same SQL with index and bitmap scans switched off (a full scan).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = "postgres://postgres:postgres@127.0.0.1:5432"
URL = os.environ.get("BENCH_DATABASE_URL", f"{SERVER}/backstop_bench_clearing")
MARK = Decimal("60000")


def recreate() -> None:
    name = URL.rsplit("/", 1)[1]
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup():
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from clearing.services.markets import market_create
    from fund.services.funds import asset_create, fund_create

    asset = asset_create(symbol="USDC", decimals=6, actor="bench")
    fund = fund_create(name="main", asset=asset, actor="bench")
    return market_create(
        symbol="BTC-USDC",
        kind="linear",
        fund=fund,
        lot=Decimal("0.001"),
        tick=Decimal("0.1"),
        mmr=Decimal("0.005"),
        actor="bench",
    )


def load(market, count: int) -> float:
    """COPY ``count`` open positions; returns the seconds it took (load + ANALYZE)."""
    rng = random.Random(5)
    now = datetime(2025, 10, 10, tzinfo=UTC).isoformat()
    buffer = io.StringIO()
    for i in range(count):
        if i % 2:
            side, liq = "long", Decimal(rng.randint(300_000, 599_900)) / 10
            key = liq
        else:
            side, liq = "short", Decimal(rng.randint(600_100, 900_000)) / 10
            key = -liq
        buffer.write(
            f"p{i}\t{market.pk}\t{side}\t0.01\t60000\t1000000\t{liq}\t{liq}\t{key}\topen\t{now}\t{now}\n"
        )
    buffer.seek(0)
    columns = (
        "account, market_id, side, qty, entry_price, margin, liquidation_price, "
        "bankruptcy_price, trigger_key, status, opened_at, updated_at"
    )
    start = time.perf_counter()
    with psycopg.connect(URL, autocommit=True) as conn:
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY clearing_position ({columns}) FROM STDIN") as copy,
        ):
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        conn.execute("ANALYZE clearing_position")
    return time.perf_counter() - start


def timings(sql: str, params, runs: int, *, full_scan: bool) -> tuple[list[float], int]:
    from django.db import connection, transaction

    seconds, found = [], 0
    for _ in range(runs):
        with transaction.atomic(), connection.cursor() as cursor:
            if full_scan:
                cursor.execute("SET LOCAL enable_indexscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
            start = time.perf_counter()
            cursor.execute(sql, params)
            found = len(cursor.fetchall())
            seconds.append(time.perf_counter() - start)
    return seconds, found


def report(label: str, seconds: list[float], found: int) -> float:
    median = statistics.median(seconds) * 1000
    p95 = sorted(seconds)[int(len(seconds) * 0.95) - 1] * 1000
    print(f"{label:<44} {found:>7} positions  median {median:8.2f} ms  p95 {p95:8.2f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    recreate()
    market = setup()
    loaded = load(market, args.positions)
    print(f"loaded {args.positions:,} positions with COPY + ANALYZE in {loaded:.1f} s")
    from clearing.selectors import liquidatable_positions

    for move in ("0.001", "0.01"):
        price = MARK * (1 - Decimal(move))
        query = liquidatable_positions(market, price=price).values_list("id", flat=True)
        sql, params = query.query.sql_with_params()
        fast, found = timings(sql, params, args.runs, full_scan=False)
        slow, _ = timings(sql, params, max(3, args.runs // 5), full_scan=True)
        index_ms = report(f"mark −{Decimal(move) * 100}%: index range scan", fast, found)
        scan_ms = report(f"mark −{Decimal(move) * 100}%: full scan (peer)", slow, found)
        print(f"  → index is {scan_ms / index_ms:.0f}× faster; target < 10 ms")
    print(liquidatable_positions(market, price=MARK * Decimal("0.999")).explain())


if __name__ == "__main__":
    main()
