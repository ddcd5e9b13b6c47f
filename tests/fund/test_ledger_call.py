"""The server-side booking of small batches (``fund_entries_book``, decision 019), on PostgreSQL.

Its rules are the Python path's (the ledger state machine runs on both); these tests hold what
is particular to the call: one statement per booking, refusals that leave the caller's
transaction usable, and the same fields and words in every error.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from common.exceptions import Conflict, Invalid
from fund.models import Entry, FundDay, FundDayKind, FundEntry, LedgerAccount
from fund.selectors.ledger import account_balance
from fund.services import ledger, ledger_call
from fund.services.ledger import EntryInput, fund_account, ledger_entries_post
from fund.services.ledger_verify import balances_verify, chain_verify
from tests.fund.conftest import T0
from tests.fund.factories import FundFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the call exists on PostgreSQL only"
)


def _entry(key, source, target, amount, *, at=T0, kind="deposit"):
    return EntryInput(
        key=key, kind=kind, postings=[(source, -amount), (target, amount)], event_time=at
    )


def test_a_booking_is_one_statement_and_updates_the_callers_accounts(books):
    ledger_entries_post(entries=[_entry("d0", books.world, books.alice, 1)])  # asset symbols
    with CaptureQueriesContext(connection) as queries:
        entry = ledger_entries_post(entries=[_entry("d1", books.world, books.alice, 70)])[0]
    assert len(queries) == 1 and "fund_entries_book" in queries[0]["sql"]
    assert books.alice.balance == 71 and books.world.balance == -71
    assert Entry.objects.get(pk=entry.pk).hash == entry.hash


def test_refusals_leave_the_surrounding_transaction_usable(books):
    books.move("d1", books.world, books.alice, 100)
    with transaction.atomic():
        with pytest.raises(Invalid, match=r"entry\.postings\.0\.amount.*balance 100, change -101"):
            ledger_entries_post(entries=[_entry("w1", books.alice, books.world, 101)])
        with pytest.raises(Conflict, match="already used"):
            ledger_entries_post(entries=[_entry("d1", books.world, books.alice, 5)])
        ledger_entries_post(entries=[_entry("w2", books.alice, books.world, 40)])
    assert account_balance(books.alice) == 60


def test_unknown_account_is_named_by_its_posting(books):
    ghost = LedgerAccount(id=10**9, kind="trader_balance", asset=books.alice.asset, key="ghost")
    with pytest.raises(Invalid, match="no such ledger account") as refused:
        ledger_entries_post(entries=[_entry("g1", books.world, ghost, 5)])
    assert list(refused.value.fields) == ["entry.postings.1.account"]
    assert not Entry.objects.exists()


def test_overdraft_inside_a_batch_is_found_posting_by_posting(books):
    """Alice is funded by the second entry only: the first one overdraws her on the way."""
    batch = [
        _entry("a", books.alice, books.world, 50),
        _entry("b", books.world, books.alice, 80),
    ]
    with pytest.raises(Invalid, match="would overdraw trader_balance:alice") as refused:
        ledger_entries_post(entries=batch)
    assert list(refused.value.fields) == ["entries.0.postings.0.amount"]
    assert not Entry.objects.exists()


def test_retries_and_repeats_in_one_call(books):
    first = ledger_entries_post(entries=[_entry("k1", books.world, books.alice, 10)])[0]
    again, new, repeat = ledger_entries_post(
        entries=[
            _entry("k1", books.world, books.alice, 10),
            _entry("k2", books.world, books.alice, 20),
            _entry("k2", books.world, books.alice, 20),
        ]
    )
    assert again.pk == first.pk and new.pk == repeat.pk and new.seq == first.seq + 1
    assert account_balance(books.alice) == 30


def test_back_dated_entries_move_day_rows_as_the_python_path_does(books, usdc, monkeypatch):
    """The same bookings into two funds, one by the call and one by the Python path, leave
    the same day rows (back-dated and later entries move the closings in between)."""
    other = fund_account(FundFactory(name="other", asset=usdc))

    def book(pool, prefix):
        ledger_entries_post(entries=[_entry(f"{prefix}1", books.world, pool, 500, kind="top_up")])
        ledger_entries_post(
            entries=[
                _entry(f"{prefix}2", books.world, pool, 30, at=T0 - timedelta(days=2)),
                _entry(f"{prefix}3", pool, books.world, 7, at=T0 + timedelta(days=1)),
                _entry(f"{prefix}4", books.world, pool, 2, at=T0 - timedelta(days=1)),
            ]
        )
        days = FundDay.objects.filter(fund_id=pool.fund_id).order_by("day")
        return list(days.values_list("day", "net", "closing", "entries"))

    by_call = book(books.fund, "c")
    monkeypatch.setattr(ledger, "CALL_LIMIT", 0)
    assert book(other, "p") == by_call
    assert [closing for _, _, closing, _ in by_call] == [30, 32, 532, 525]


def test_an_entry_between_two_funds_writes_the_history_the_python_path_does(
    books, usdc, monkeypatch
):
    """An entry naming two funds (the later-made one first) gives each fund its history row,
    in the order its postings name them, and a batch over two days its day and day-kind rows,
    as the Python path does."""

    def book(prefix):
        low, high = (fund_account(FundFactory(name=prefix + n, asset=usdc)) for n in "ab")
        ledger_entries_post(entries=[_entry(f"{prefix}1", books.world, high, 50, kind="top_up")])
        ledger_entries_post(
            entries=[
                EntryInput(
                    key=f"{prefix}2",
                    kind="shortfall_cover",
                    postings=[(high, -20), (books.world, 1), (low, 19)],
                    event_time=T0,
                ),
                _entry(f"{prefix}3", books.world, low, 5, at=T0 + timedelta(days=1)),
                _entry(f"{prefix}4", high, books.world, 8, at=T0 + timedelta(days=1)),
            ]
        )
        high_fund = high.fund_id
        rows = FundEntry.objects.filter(fund_id__in=[low.fund_id, high_fund]).order_by("id")
        days = FundDay.objects.filter(fund_id__in=[low.fund_id, high_fund]).order_by("fund", "day")
        kinds = FundDayKind.objects.filter(fund_id__in=[low.fund_id, high_fund])
        return (
            [(r.fund_id == high_fund, r.kind, r.change, r.balance_after) for r in rows],
            [(d.fund_id == high_fund, d.day, d.net, d.closing, d.entries) for d in days],
            sorted(
                (k.fund_id == high_fund, k.day, k.kind, k.inflow, k.outflow, k.entries)
                for k in kinds
            ),
        )

    by_call = book("c")
    monkeypatch.setattr(ledger, "CALL_LIMIT", 0)
    assert book("p") == by_call
    cover = [(True, "shortfall_cover", -20, 30), (False, "shortfall_cover", 19, 19)]
    assert by_call[0][1:3] == cover


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("amount", "answer"), [(10, "the original"), (11, "a conflict")])
def test_a_key_booked_while_the_call_waits_is_answered_after_all(books, amount, answer):
    """The call looks for known keys before it waits for the chain head; a booking of the
    same key that commits in between surfaces at its entry insert, which undoes the call's
    postings and asks again: the original entry, or a conflict, and nothing left behind."""
    outcome = {}
    waiting = threading.Event()

    def second():
        try:
            waiting.set()
            entry = ledger_entries_post(entries=[_entry("k", books.world, books.alice, amount)])
            outcome["entry"] = entry[0]
        except Conflict as exc:
            outcome["conflict"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        first = ledger_entries_post(entries=[_entry("k", books.world, books.alice, 10)])[0]
        worker = threading.Thread(target=second)
        worker.start()
        waiting.wait()
        time.sleep(0.3)  # the second call is now waiting for the head this transaction holds
    worker.join()
    if answer == "the original":
        assert outcome["entry"].pk == first.pk
    else:
        assert "already used" in str(outcome["conflict"])
    assert Entry.objects.count() == 1 and account_balance(books.alice) == 10
    assert balances_verify() is None and chain_verify() is None


@pytest.mark.django_db
@given(
    st.lists(
        st.none() | st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"])),
        max_size=5,
    )
)
def test_array_literals_carry_any_text_to_the_server(values):
    """Memos and keys reach the call as array literals the client writes itself (quotes,
    backslashes, braces, commas, the word NULL, an empty string: each arrives as it was)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [ledger_call._array(values)])
        assert cursor.fetchone()[0] == values
