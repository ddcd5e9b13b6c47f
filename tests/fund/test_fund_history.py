"""Fund history is exact in the posting transaction: per-entry balances, days, kinds."""

from datetime import timedelta

import pytest

from fund.models import FundDay, FundDayKind, FundEntry
from fund.selectors.ledger import fund_balance_at
from fund.services.ledger import EntryInput, ledger_entries_post
from fund.services.ledger_history_verify import history_verify
from tests.fund.conftest import T0

DAY = timedelta(days=1)


def test_each_fund_entry_records_change_and_balance_after(books, main_fund):
    books.move("d1", books.world, books.alice, 1000)
    books.move("t1", books.alice, books.fund, 300, kind="top_up")
    books.move("c1", books.fund, books.alice, 100, kind="shortfall_cover")
    rows = list(
        FundEntry.objects.order_by("seq").values_list("seq", "kind", "change", "balance_after")
    )
    assert rows == [(2, "top_up", 300, 300), (3, "shortfall_cover", -100, 200)]
    assert history_verify() is None


def test_days_and_kinds_aggregate_by_event_day(books, main_fund):
    books.move("d1", books.world, books.alice, 10_000)
    books.move("t1", books.alice, books.fund, 500, kind="top_up", at=T0)
    books.move("f1", books.alice, books.fund, 20, kind="fee_take", at=T0 + DAY)
    books.move("f2", books.alice, books.fund, 30, kind="fee_take", at=T0 + DAY)
    books.move("c1", books.fund, books.alice, 200, kind="shortfall_cover", at=T0 + 3 * DAY)
    days = list(
        FundDay.objects.values_list("day", "net", "closing", "entries", "first_seq", "last_seq")
    )
    d0 = T0.date()
    assert days == [
        (d0, 500, 500, 1, 2, 2),
        (d0 + DAY, 50, 550, 2, 3, 4),
        (d0 + 3 * DAY, -200, 350, 1, 5, 5),
    ]
    fee = FundDayKind.objects.get(kind="fee_take")
    assert (fee.inflow, fee.outflow, fee.entries) == (50, 0, 2)
    cover = FundDayKind.objects.get(kind="shortfall_cover")
    assert (cover.inflow, cover.outflow) == (0, 200)
    assert history_verify() is None


def test_back_dated_entry_moves_later_closings(books, main_fund):
    books.move("d1", books.world, books.alice, 10_000)
    books.move("a", books.alice, books.fund, 100, kind="top_up", at=T0)
    books.move("b", books.alice, books.fund, 100, kind="top_up", at=T0 + 2 * DAY)
    books.move("old", books.alice, books.fund, 7, kind="fee_take", at=T0 + DAY)
    books.move("older", books.alice, books.fund, 1, kind="fee_take", at=T0 - DAY)
    closings = list(FundDay.objects.values_list("closing", flat=True))
    assert closings == [1, 101, 108, 208]
    assert history_verify() is None


def test_batch_updates_aggregates_once_and_exactly(books, main_fund):
    books.move("d1", books.world, books.alice, 10**30)
    entries = [
        EntryInput(
            key=f"fee{i}",
            kind="fee_take",
            event_time=T0 + i * timedelta(hours=7),
            postings=[(books.alice, -(10**20 + i)), (books.fund, 10**20 + i)],
        )
        for i in range(20)
    ]
    ledger_entries_post(entries=entries)
    assert FundEntry.objects.count() == 20
    assert FundDay.objects.order_by("-day").first().closing == sum(10**20 + i for i in range(20))
    assert history_verify() is None


def test_balance_at_uses_days_and_same_day_entries(books, main_fund, django_assert_num_queries):
    books.move("d1", books.world, books.alice, 10_000)
    books.move("a", books.alice, books.fund, 100, kind="top_up", at=T0)
    books.move("b", books.alice, books.fund, 40, kind="fee_take", at=T0 + DAY)
    books.move(
        "c", books.fund, books.alice, 15, kind="shortfall_cover", at=T0 + DAY + timedelta(hours=2)
    )
    assert fund_balance_at(main_fund, at=T0 - DAY) == 0
    assert fund_balance_at(main_fund, at=T0) == 100
    assert fund_balance_at(main_fund, at=T0 + DAY) == 140
    assert fund_balance_at(main_fund, at=T0 + DAY + timedelta(hours=1)) == 140
    with django_assert_num_queries(2):
        assert fund_balance_at(main_fund, at=T0 + 5 * DAY) == 125


def test_tampered_aggregate_is_reported(books, main_fund):
    books.move("d1", books.world, books.alice, 1000)
    books.move("t1", books.alice, books.fund, 300, kind="top_up")
    FundDay.objects.update(closing=301)
    problem = history_verify()
    assert problem and "closing" in problem.reason


@pytest.mark.parametrize("field", ["change", "balance_after"])
def test_tampered_fund_entry_is_reported(books, main_fund, field):
    books.move("d1", books.world, books.alice, 1000)
    books.move("t1", books.alice, books.fund, 300, kind="top_up")
    FundEntry.objects.update(**{field: 299})
    problem = history_verify()
    assert problem and "#2" in problem.where
