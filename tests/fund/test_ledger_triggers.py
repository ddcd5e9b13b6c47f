"""The database itself refuses unbalanced or altered books (PostgreSQL triggers, 0009)."""

import pytest
from django.db import IntegrityError, connection, transaction

from fund.models import Entry, Posting

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
