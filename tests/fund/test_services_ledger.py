from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.exceptions import Conflict, Invalid
from fund.models import Entry, Posting
from fund.selectors.ledger import account_balance, fund_balance
from fund.services import ledger
from fund.services.ledger import EntryInput, ledger_entries_post, ledger_entry_post
from fund.services.ledger_verify import balances_verify, chain_verify
from tests.fund.conftest import T0
from tests.fund.factories import AssetFactory


def test_post_moves_money_and_chains(books, main_fund):
    books.move("d1", books.world, books.alice, 5_000_000)
    entry = books.move("t1", books.alice, books.fund, 2_000_000, kind="top_up")
    assert account_balance(books.alice) == 3_000_000
    assert fund_balance(main_fund) == 2_000_000
    assert account_balance(books.world) == -5_000_000
    assert entry.seq == 2 and entry.prev_hash == Entry.objects.get(seq=1).hash
    assert balances_verify() is None and chain_verify() is None


def test_retry_with_same_key_returns_original(books):
    first = books.move("d1", books.world, books.alice, 100)
    again = books.move("d1", books.world, books.alice, 100)
    assert again.pk == first.pk
    assert Entry.objects.count() == 1 and account_balance(books.alice) == 100


def test_same_key_other_content_conflicts(books):
    books.move("d1", books.world, books.alice, 100)
    with pytest.raises(Conflict, match="already used"):
        books.move("d1", books.world, books.alice, 101)
    assert account_balance(books.alice) == 100


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ((-100, 99), "sum to -1"),
        ((-100, 0), "must not be zero"),
        ((-1.5, 1.5), "integer amount"),
        (("-1e3", "1e3"), "integer amount"),
    ],
)
def test_bad_postings_refused_and_nothing_booked(books, amounts, message):
    with pytest.raises(Invalid, match=message):
        ledger_entry_post(
            key="bad",
            kind="deposit",
            event_time=T0,
            postings=[(books.world, amounts[0]), (books.alice, amounts[1])],
        )
    assert not Entry.objects.exists() and not Posting.objects.exists()


def test_overdraft_of_protected_account_refused(books):
    books.move("d1", books.world, books.alice, 100)
    with pytest.raises(Invalid, match="would overdraw trader_balance:alice"):
        books.move("w1", books.alice, books.world, 101, kind="withdrawal")
    assert account_balance(books.alice) == 100 and Entry.objects.count() == 1


def test_unknown_kind_and_single_posting_refused(books):
    with pytest.raises(Invalid, match="unknown entry kind"):
        ledger_entry_post(
            key="k", kind="gift", event_time=T0, postings=[(books.world, -1), (books.alice, 1)]
        )
    with pytest.raises(Invalid, match="at least two postings"):
        ledger_entry_post(key="k", kind="deposit", event_time=T0, postings=[(books.world, 0)])


def test_mixed_assets_must_balance_per_asset(books):
    btc = AssetFactory(symbol="BTC", decimals=8)
    from fund.services.ledger import ledger_account

    btc_world = ledger_account(kind="external", asset=btc, key="BTC")
    with pytest.raises(Invalid, match="sum to"):
        ledger_entry_post(
            key="x", kind="deposit", event_time=T0, postings=[(btc_world, -5), (books.alice, 5)]
        )


def test_batch_is_all_or_nothing(books):
    good = EntryInput(
        key="b1", kind="deposit", event_time=T0, postings=[(books.world, -10), (books.alice, 10)]
    )
    bad = EntryInput(
        key="b2", kind="withdrawal", event_time=T0, postings=[(books.alice, -11), (books.world, 11)]
    )
    with pytest.raises(Invalid, match="entries.1.postings.0.amount"):
        ledger_entries_post(entries=[good, bad])
    assert not Entry.objects.exists()
    entries = ledger_entries_post(entries=[good, good])
    assert entries[0].pk == entries[1].pk and Entry.objects.count() == 1


def test_large_batch_streamed_is_all_or_nothing_and_answers_retries(books):
    """Batches big enough for COPY send their rows while later ones are still checked: an
    overdraft near the end still leaves nothing behind, and retries and repeated keys in a
    batch are told apart by content as in small ones."""

    def deposit(i, amount=10):
        return EntryInput(
            key=f"d{i}",
            kind="deposit",
            event_time=T0 + timedelta(microseconds=i),
            postings=[(books.world, -amount), (books.alice, amount)],
            memo=f"tab\tnew line\n back\\slash é {i}",
            data={"i": i, "s": "x\ty", "n": None, "l": [1, "2"]} if i % 2 else None,
        )

    deposits = [deposit(i) for i in range(200)]
    overdraft = EntryInput(
        key="w",
        kind="withdrawal",
        event_time=T0,
        postings=[(books.alice, -2001), (books.world, 2001)],
    )
    with pytest.raises(Invalid, match="entries.200.postings.0.amount"):
        ledger_entries_post(entries=[*deposits, overdraft])
    assert not Entry.objects.exists() and not Posting.objects.exists()
    first = ledger_entries_post(entries=deposits[:100])
    booked = ledger_entries_post(entries=[*deposits, deposits[150], deposits[3]])
    assert [e.pk for e in booked[:100]] == [e.pk for e in first]
    assert booked[200].pk == booked[150].pk and booked[201].pk == first[3].pk
    assert [e.seq for e in booked[100:200]] == list(range(101, 201))
    assert account_balance(books.alice) == 2000 and Entry.objects.count() == 200
    with pytest.raises(Conflict, match="entries.100.key: idempotency key .d5."):
        ledger_entries_post(entries=[*[deposit(i) for i in range(200, 300)], deposit(5, 11)])
    with pytest.raises(Conflict, match="entries.100.key: idempotency key .d350."):
        ledger_entries_post(entries=[*[deposit(i) for i in range(300, 400)], deposit(350, 11)])
    assert Entry.objects.count() == 200
    stored = Entry.objects.get(key="d151")
    assert stored.data == deposits[151].data and stored.memo == deposits[151].memo
    assert stored.event_time == deposits[151].event_time
    huge = [deposit(i, 10**40 + i) for i in range(400, 460)]
    ledger_entries_post(entries=huge)
    assert account_balance(books.alice) == 2000 + sum(10**40 + i for i in range(400, 460))
    assert balances_verify() is None and chain_verify() is None


def test_huge_amounts_round_trip_exactly(books):
    amount = 10**30
    books.move("big", books.world, books.alice, amount)
    assert account_balance(books.alice) == amount
    assert Posting.objects.filter(amount=amount).get().amount == amount


def test_chain_payload_equals_canonical_json_with_seq():
    from common.canonical import canonical_json
    from fund.services.ledger import chain_payload

    content = {
        "data": {"z": "1"},
        "event_time": T0.isoformat(),
        "fund": "main",
        "key": "k",
        "kind": "deposit",
        "memo": "m",
        "postings": [["fund", "main", "USDC", "-5"]],
    }
    assert chain_payload(canonical_json(content), 42) == canonical_json({"seq": 42, **content})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an index condition of PostgreSQL's")
def test_a_batch_updates_the_balances_it_names_by_their_ids(books):
    """A batch's balance update names its accounts as ``id = ANY(…)`` besides the unnest join,
    so PostgreSQL finds them by primary key instead of hashing every account (decision 028)."""
    entries = [
        EntryInput(
            key=f"b{i}",
            kind="deposit",
            postings=[(books.world, -5), (books.alice, 5)],
            event_time=T0,
        )
        for i in range(ledger.CALL_LIMIT + 1)
    ]
    with CaptureQueriesContext(connection) as queries:
        ledger_entries_post(entries=entries)
    (update,) = [
        q["sql"] for q in queries.captured_queries if 'UPDATE "fund_ledgeraccount"' in q["sql"]
    ]
    assert '"fund_ledgeraccount"."id" = ANY(' in update
    assert account_balance(books.alice) == 5 * (ledger.CALL_LIMIT + 1)
