"""Four threads, each on its own PostgreSQL connection, post to the same fund at once.

Two threads top the fund up, two race to pay covers out of it (many of which must be refused
as overdrafts). The end state must be exact: balance = in − accepted out, never negative, seq
gap-free, chain and fund history verifying.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from common.exceptions import Invalid
from fund.models import Entry
from fund.selectors.ledger import fund_balance
from fund.services.ledger import EntryInput, ledger_account, ledger_entries_post
from fund.services.ledger_history_verify import history_verify
from fund.services.ledger_verify import balances_verify, chain_verify
from tests.fund.conftest import T0

PER_THREAD = 500


@pytest.mark.django_db(transaction=True)
def test_four_threads_post_to_one_fund(books, main_fund):
    venue = ledger_account(kind="counterparty", asset=main_fund.asset, key="venue")
    accepted_out = [0, 0]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def top_up(worker: int):
        start.wait()
        for i in range(PER_THREAD):
            at = T0 + timedelta(minutes=i)
            if i % 50 == 0:  # now and then a batch of 5 in one transaction
                entries = [
                    EntryInput(
                        key=f"in{worker}:{i}:{j}",
                        kind="fee_take",
                        postings=[(books.world, -7), (books.fund, 7)],
                        event_time=at,
                    )
                    for j in range(5)
                ]
                ledger_entries_post(entries=entries)
            else:
                books.move(f"in{worker}:{i}", books.world, books.fund, 10, kind="top_up", at=at)

    def cover(worker: int):
        start.wait()
        for i in range(PER_THREAD):
            try:
                books.move(
                    f"out{worker}:{i}",
                    books.fund,
                    venue,
                    23,
                    kind="shortfall_cover",
                    at=T0 + timedelta(minutes=i, seconds=30),
                )
                accepted_out[worker] += 23
            except Invalid as exc:
                assert "would overdraw fund:main" in exc.message

    def run(target, worker):
        try:
            target(worker)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(fn, worker))
        for fn, worker in [(top_up, 0), (top_up, 1), (cover, 0), (cover, 1)]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors

    batches = PER_THREAD // 50
    paid_in = 2 * ((PER_THREAD - batches) * 10 + batches * 5 * 7)
    assert fund_balance(main_fund) == paid_in - sum(accepted_out) >= 0
    assert 0 < sum(accepted_out) < paid_in  # the races really happened both ways
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert balances_verify() is None and history_verify() is None and chain_verify() is None
