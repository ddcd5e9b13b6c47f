"""The database itself refuses unbalanced, dangling or altered books (PostgreSQL triggers,
0009, 0010, 0011 and 0013)."""

import pytest
from django.db import IntegrityError, connection, transaction

from fund.models import Entry, Fund, LedgerAccount, Posting
from fund.services.ledger import EntryInput, ledger_entries_post
from tests.fund.conftest import T0
from tests.fund.factories import AssetFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _raw_entry(cursor, seq, prev_hash, entry_id=None):
    cursor.execute(
        "INSERT INTO fund_entry (id, seq, key, kind, event_time, created_at, memo, digest,"
        " prev_hash, hash) VALUES (COALESCE(%s, nextval(pg_get_serial_sequence('fund_entry',"
        " 'id'))), %s, 'raw', 'deposit', now(), now(), '', 'x', %s, 'y') RETURNING id",
        [entry_id, seq, prev_hash],
    )
    return cursor.fetchone()[0]


def test_raw_unbalanced_postings_refused(books):
    books.move("d1", books.world, books.alice, 100)
    entry = Entry.objects.get()
    with pytest.raises(IntegrityError, match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('fund_entry', 'id'))")
            new_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO fund_posting (entry_id, account_id, asset_id, amount) VALUES"
                " (%s, %s, %s, -5), (%s, %s, %s, 4)",
                [
                    new_id,
                    books.world.pk,
                    books.world.asset_id,
                    new_id,
                    books.alice.pk,
                    books.alice.asset_id,
                ],
            )
            _raw_entry(cursor, 2, entry.hash, new_id)
    assert Entry.objects.count() == 1 and Posting.objects.count() == 2


def test_raw_entry_postings_split_over_statements_balance_per_statement(books):
    """The balance check sums each statement's own postings (0013): an entry's postings may
    come in several statements only if each statement's share balances."""
    books.move("d1", books.world, books.alice, 100)
    entry = Entry.objects.get()
    legs = [books.world.pk, books.world.asset_id, books.alice.pk, books.alice.asset_id]
    insert = (
        "INSERT INTO fund_posting (entry_id, account_id, asset_id, amount) VALUES"
        " (%s, %s, %s, %s), (%s, %s, %s, %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('fund_entry', 'id'))")
        new_id = cursor.fetchone()[0]
        for amount in (5, 7):
            cursor.execute(insert, [new_id, *legs[:2], -amount, new_id, *legs[2:], amount])
        _raw_entry(cursor, 2, entry.hash, new_id)
    assert Posting.objects.filter(entry_id=new_id).count() == 4
    with pytest.raises(IntegrityError, match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('fund_entry', 'id'))")
            new_id = cursor.fetchone()[0]
            cursor.execute(insert, [new_id, *legs[:2], -5, new_id, *legs[2:], 6])
            cursor.execute(insert, [new_id, *legs[:2], -6, new_id, *legs[2:], 5])
    assert Entry.objects.count() == 2


def test_raw_entry_without_postings_refused(books):
    books.move("d1", books.world, books.alice, 100)
    entry = Entry.objects.get()
    with pytest.raises(IntegrityError, match="fewer than two postings"):
        with transaction.atomic(), connection.cursor() as cursor:
            _raw_entry(cursor, 2, entry.hash)
    assert Entry.objects.count() == 1


def test_raw_posting_without_entry_fails_at_commit(books):
    with pytest.raises(IntegrityError, match="fund_entry"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO fund_posting (entry_id, account_id, asset_id, amount) VALUES"
                " (999999, %s, %s, -5), (999999, %s, %s, 5)",
                [books.world.pk, books.world.asset_id, books.alice.pk, books.alice.asset_id],
            )
    assert not Posting.objects.exists()


def test_raw_extra_posting_into_old_entry_refused(books):
    books.move("d1", books.world, books.alice, 100)
    entry = Entry.objects.get()
    with pytest.raises(IntegrityError, match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO fund_posting (entry_id, account_id, asset_id, amount)"
                " VALUES (%s, %s, %s, 7)",
                [entry.pk, books.alice.pk, books.alice.asset_id],
            )
    assert Posting.objects.count() == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE fund_posting SET amount = amount * 2",
        "DELETE FROM fund_posting",
        "UPDATE fund_entry SET memo = 'edited'",
        "DELETE FROM fund_entry",
    ],
)
def test_update_and_delete_refused(books, sql):
    books.move("d1", books.world, books.alice, 100)
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert Posting.objects.count() == 2


def _raw_booking(cursor, books, postings, fund_id=None):
    """An entry with ``postings`` ((account id, asset id, amount), ...) written by hand."""
    cursor.execute("SELECT nextval(pg_get_serial_sequence('fund_entry', 'id'))")
    new_id = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO fund_posting (entry_id, account_id, asset_id, amount) VALUES "
        + ", ".join(["(%s, %s, %s, %s)"] * len(postings)),
        [value for posting in postings for value in (new_id, *posting)],
    )
    cursor.execute(
        "INSERT INTO fund_entry (id, seq, key, kind, fund_id, event_time, created_at, memo,"
        " digest, prev_hash, hash) VALUES (%s, 1, 'raw', 'deposit', %s, now(), now(), '', 'x',"
        " 'p', 'y')",
        [new_id, fund_id],
    )


@pytest.mark.parametrize("case", ["no such account", "account of another asset"])
def test_raw_posting_naming_a_wrong_account_refused(books, case):
    btc = AssetFactory(symbol="BTC", decimals=8)
    other = 10**9 if case == "no such account" else books.alice.pk
    with pytest.raises(IntegrityError, match="does not exist or does not hold asset"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO fund_posting (entry_id, account_id, asset_id, amount) VALUES"
                " (1, %s, %s, -5), (1, %s, %s, 5)",
                [books.world.pk, btc.pk, other, btc.pk],
            )
    assert not Posting.objects.exists()


def test_raw_entry_naming_no_fund_refused(books):
    postings = [
        (books.world.pk, books.world.asset_id, -5),
        (books.alice.pk, books.alice.asset_id, 5),
    ]
    with pytest.raises(IntegrityError, match="names fund"):
        with transaction.atomic(), connection.cursor() as cursor:
            _raw_booking(cursor, books, postings, fund_id=10**9)
    assert not Entry.objects.exists()


def test_named_accounts_and_funds_cannot_be_deleted(books, main_fund):
    books.move("d1", books.world, books.fund, 100, kind="top_up")
    for model, pk in [(LedgerAccount, books.fund.pk), (Fund, main_fund.pk)]:
        with pytest.raises(IntegrityError, match="cannot be deleted"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [pk])
    assert LedgerAccount.objects.filter(pk=books.fund.pk).exists()


def test_checks_read_postings_through_the_index_however_large_the_table(books):
    """The statement checks look each new entry's postings up by index. plpgsql keeps a
    plan per session: one made while the table was small must not stay a full scan of
    fund_posting once it has grown."""
    for i in range(10):  # plans made (and kept) while the table is tiny
        books.move(f"small{i}", books.world, books.alice, 100 + i)
    ledger_entries_post(
        entries=[
            EntryInput(
                key=f"big{i}",
                kind="deposit",
                postings=[(books.world, -5), (books.alice, 5)],
                event_time=T0,
            )
            for i in range(3000)
        ]
    )
    read = (
        "SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"
        " WHERE relname = 'fund_posting'"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(read)  # includes counts of earlier transactions not yet reported
        before = cursor.fetchone()[0]
        books.move("one-more", books.world, books.alice, 7)
        cursor.execute(read)
        assert cursor.fetchone()[0] - before <= 10  # the new entry's postings, per check
