"""Benchmark: ledger posting rate, and fund dashboard/history latency at 1,000,000 entries.

    .venv/bin/python benchmarks/ledger_posting.py [--single N] [--batches B] [--batch-size S]
        [--history-entries M] [--no-pgbench]

Runs on a scratch PostgreSQL database (``BENCH_DATABASE_URL``, default
postgres://postgres:postgres@127.0.0.1:5432/backstop_bench_ledger, dropped and migrated first).
Measured, through the real services with every trigger installed:

- single-entry path: ``ledger_entry_post`` one transaction per entry, 2 client threads
  (each its own connection), half the entries touching the fund (so its history updates);
- batched path: ``ledger_entries_post`` with S entries per transaction;
- the peer, in the same run and on the same server: pgbench tpcb-like, 2 clients, 10 s;
- the dashboard and history API with M synthetic entries in one fund (bulk-loaded with COPY,
  triggers off for the load only): median and p95 latency over 20 requests each.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from cputime import backend_cpu, per_unit, process_cpu

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = "postgres://postgres:postgres@127.0.0.1:5432"
URL = os.environ.get("BENCH_DATABASE_URL", f"{SERVER}/backstop_bench_ledger")
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def recreate(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup() -> None:
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def books(name: str):
    from fund.services.funds import asset_create, fund_create
    from fund.services.ledger import fund_account, ledger_account

    asset = asset_create(symbol=name.upper(), decimals=6, actor="bench")
    fund = fund_create(name=name, asset=asset, actor="bench")
    world = ledger_account(kind="external", asset=asset, key=asset.symbol)
    traders = [ledger_account(kind="trader_balance", asset=asset, key=f"t{i}") for i in range(50)]
    return fund, world, traders, fund_account(fund)


def entry_for(i: int, prefix: str, world, traders, pool):
    from fund.services.ledger import EntryInput

    at = T0 + timedelta(seconds=i)
    target, kind = (pool, "top_up") if i % 2 else (traders[i % len(traders)], "deposit")
    return EntryInput(
        key=f"{prefix}{i}",
        kind=kind,
        postings=[(world, -1000 - i), (target, 1000 + i)],
        event_time=at,
    )


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def single(n: int, threads: int = 2) -> tuple[float, str]:
    """Entries per second, one transaction each, ``threads`` connections at once; and the
    CPU per entry of this process and of the server processes serving it."""
    from django.db import connection

    from fund.services.ledger import ledger_entries_post

    _, world, traders, pool = books("single")
    pids: list[int] = []
    ready = threading.Barrier(threads + 1)
    done = threading.Barrier(threads + 1)

    def work(offset: int):
        try:
            pids.append(_backend_pid())
            ready.wait()
            for i in range(offset, n, threads):
                ledger_entries_post(entries=[entry_for(i, "s", world, traders, pool)])
            done.wait()  # the connection stays open until its server CPU is read
            done.wait()
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait()
    server, python, start = backend_cpu(pids), process_cpu(), time.perf_counter()
    done.wait()
    elapsed = time.perf_counter() - start
    python, end = process_cpu() - python, backend_cpu(pids)
    done.wait()
    for worker in workers:
        worker.join()
    cpu = per_unit("entry", n, python, end - server if server is not None else None)
    return n / elapsed, cpu


def batched(batches: int, size: int) -> tuple[float, str]:
    """Postings per second with ``size`` entries (2 postings each) per transaction; and the
    CPU per posting of this process and of its server process."""
    from fund.services.ledger import ledger_entries_post

    _, world, traders, pool = books("batch")
    inputs = [
        [entry_for(b * size + i, "b", world, traders, pool) for i in range(size)]
        for b in range(batches)
    ]
    pids = [_backend_pid()]
    server, python, start = backend_cpu(pids), process_cpu(), time.perf_counter()
    for entries in inputs:
        ledger_entries_post(entries=entries)
    elapsed = time.perf_counter() - start
    python, end = process_cpu() - python, backend_cpu(pids)
    postings = batches * size * 2
    cpu = per_unit("posting", postings, python, end - server if server is not None else None)
    return postings / elapsed, cpu


def pgbench_tps() -> float:
    url = f"{SERVER}/backstop_bench_pgbench"
    recreate(url)
    subprocess.run([PGBENCH, "-i", "-q", "-s", "10", url], check=True, capture_output=True)
    out = subprocess.run(
        [PGBENCH, "-c", "2", "-j", "2", "-T", "10", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def bulk_history(entries: int) -> str:
    """Load ``entries`` synthetic fee-take entries of fund ``big`` with COPY; return its name."""
    from django.db import connection

    from fund.models import FundDay, LedgerAccount

    fund, _, _, pool = books("big")
    per_day = 2000
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(id), 0) FROM fund_entry")
        seq0, id0 = cursor.fetchone()
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("SET session_replication_role = replica")  # load only: no triggers
        raw = cursor.cursor
        with raw.copy(
            "COPY fund_entry (id, seq, key, kind, fund_id, event_time, created_at, memo,"
            " digest, prev_hash, hash) FROM STDIN"
        ) as copy:
            for i in range(entries):
                at = T0 + timedelta(seconds=i * 86400 // per_day)
                digest = f"{i:064x}"
                copy.write_row(
                    (
                        id0 + i + 1,
                        seq0 + i + 1,
                        f"big{i}",
                        "fee_take",
                        fund.pk,
                        at,
                        at,
                        "",
                        digest,
                        digest,
                        f"{i + 10**9:064x}",
                    )
                )
        with raw.copy(
            "COPY fund_fundentry (fund_id, entry_id, seq, kind, event_time, change,"
            " balance_after) FROM STDIN"
        ) as copy:
            for i in range(entries):
                at = T0 + timedelta(seconds=i * 86400 // per_day)
                copy.write_row((fund.pk, id0 + i + 1, seq0 + i + 1, "fee_take", at, 5, 5 * (i + 1)))
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SELECT setval('fund_entry_id_seq', %s)", [id0 + entries])
        cursor.execute("ANALYZE")
    days = (entries + per_day - 1) // per_day
    rows = []
    for d in range(days):
        count = min(per_day, entries - d * per_day)
        first = seq0 + d * per_day + 1
        rows.append(
            FundDay(
                fund=fund,
                day=(T0 + timedelta(days=d)).date(),
                net=5 * count,
                closing=5 * (d * per_day + count),
                entries=count,
                first_seq=first,
                last_seq=first + count - 1,
            )
        )
    FundDay.objects.bulk_create(rows)
    from fund.models import FundDayKind

    FundDayKind.objects.bulk_create(
        [
            FundDayKind(fund=fund, day=r.day, kind="fee_take", inflow=r.net, entries=r.entries)
            for r in rows
        ]
    )
    LedgerAccount.objects.filter(pk=pool.pk).update(balance=5 * entries)
    return fund.name


def latencies(name: str) -> list[tuple[str, float, float, int]]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # the test client's host name; nothing else changes
    client = Client()
    last = (T0 + timedelta(days=499)).date()
    urls = [
        f"/fund/{name}/",
        f"/fund/{name}/range/?range=all",
        "/api/v1/fund/funds/",
        f"/api/v1/fund/funds/{name}/entries/?from=2024-01-01&to={last}",
        f"/api/v1/fund/funds/{name}/entries/?from=2024-03-01&to=2024-03-31",
        f"/api/v1/fund/funds/{name}/days/?from=2024-01-01&to={last}",
        f"/api/v1/fund/funds/{name}/totals/?from=2024-01-01&to={last}",
        f"/api/v1/fund/funds/{name}/statements/2024-06/",
    ]
    out = []
    for url in urls:
        client.get(url)  # warm
        times = []
        for _ in range(20):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        out.append((url, statistics.median(times), times[int(len(times) * 0.95) - 1], len(queries)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=4000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--history-entries", type=int, default=1_000_000)
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument(
        "--latency-only", action="store_true", help="reuse the loaded database, time pages only"
    )
    args = parser.parse_args()
    if args.latency_only:
        django_setup()
        for url, median, p95, queries in latencies("big"):
            print(f"  {median:7.1f} ms median {p95:7.1f} ms p95 {queries:3d} queries  {url}")
        return
    recreate(URL)
    django_setup()
    tps = None if args.no_pgbench else pgbench_tps()
    if tps:
        print(f"pgbench tpcb-like, 2 clients, 10 s:           {tps:10.0f} TPS")
    rate, cpu = single(args.single)
    share = f" ({rate / tps:.0%} of pgbench)" if tps else ""
    print(f"single-entry path, 2 threads ({args.single} entries): {rate:10.0f} entries/s{share}")
    print(f"                                               {rate * 2:10.0f} postings/s")
    print(cpu)
    rate, cpu = batched(args.batches, args.batch_size)
    print(f"batched path, {args.batch_size} entries/transaction:  {rate:10.0f} postings/s")
    print(cpu)
    if args.history_entries:
        start = time.perf_counter()
        name = bulk_history(args.history_entries)
        print(f"bulk-loaded {args.history_entries} entries in {time.perf_counter() - start:.1f} s")
        for url, median, p95, queries in latencies(name):
            print(f"  {median:7.1f} ms median {p95:7.1f} ms p95 {queries:3d} queries  {url}")


if __name__ == "__main__":
    main()
