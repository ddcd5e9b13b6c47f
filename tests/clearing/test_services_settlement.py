"""Liquidation end to end through the services: takeover, close, settlement, ledger."""

import os
import traceback
from decimal import Decimal as D

import pytest

from clearing.models import Liquidation, Position, Settlement
from fund.selectors.ledger import fund_balance
from tests.clearing.conftest import USDC

pytestmark = pytest.mark.django_db


def open_seed003(book, fund=1_000 * USDC):
    book.top_up(fund)
    book.deposit("alice", 5_000 * USDC)
    book.fill("alice", "buy", "1", "20000", margin=2_000 * USDC)
    position = Position.objects.get(account="alice")
    assert (position.bankruptcy_price, position.liquidation_price) == (D("18000"), D("18090.5"))
    return position


def test_scenario_2_fund_covers(book, django_capture_on_commit_callbacks):
    open_seed003(book)
    book.mark("18100")
    assert not Liquidation.objects.exists()
    book.mark("18090.5")
    liquidation = Liquidation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        book.close("alice", "17900")
    settlement = Settlement.objects.get(liquidation=liquidation)
    assert (settlement.equity, settlement.fund_delta) == (-100 * USDC, -100 * USDC)
    assert fund_balance(book.fund) == 900 * USDC
    assert settlement.params["adl_policy"] == {
        "value": "adl",
        "scope": "default",
        "version_id": None,
    }
    assert len(settlement.entry_ids) == 2


def test_scenario_1_surplus(book, django_capture_on_commit_callbacks):
    open_seed003(book)
    book.mark("18090")
    with django_capture_on_commit_callbacks(execute=True):
        book.close("alice", "18050")
    settlement = Settlement.objects.get()
    assert (settlement.equity, settlement.fund_delta, settlement.trader_return) == (
        50 * USDC,
        50 * USDC,
        0,
    )
    assert fund_balance(book.fund) == 1_050 * USDC


def test_settling_twice_books_nothing_more(book, django_capture_on_commit_callbacks):
    from clearing.services.settlement import liquidation_settle
    from fund.models import Entry

    open_seed003(book)
    book.mark("18090")
    with django_capture_on_commit_callbacks(execute=True):
        (liquidation,) = book.close("alice", "17900")
    entries = Entry.objects.count()
    again = liquidation_settle(liquidation_id=liquidation.pk)
    assert again.fund_delta == -100 * USDC and Entry.objects.count() == entries
    # The venue resending the same close is a retry, not a second liquidation.
    assert book.close("alice", "17900")[0].pk == liquidation.pk


def test_settlements_of_a_market_run_in_close_time_order(book):
    from clearing.services.settlement import liquidation_settle

    open_seed003(book, fund=60 * USDC)
    book.deposit("bob", 5_000 * USDC)
    book.fill("bob", "buy", "1", "20000", margin=2_000 * USDC)
    book.mark("18090")
    (bob,) = book.close("bob", "17900", minute=2)  # closed first: the fund's 60 go to bob
    (alice,) = book.close("alice", "17900", minute=3)
    # Settling alice's first still settles bob's before it (FIFO by close time).
    alice_settlement = liquidation_settle(liquidation_id=alice.pk)
    bob_settlement = Settlement.objects.get(liquidation=bob)
    assert bob_settlement.fund_delta == -60 * USDC and bob_settlement.deficit == 40 * USDC
    assert alice_settlement.fund_delta == 0 and alice_settlement.deficit == 100 * USDC


def test_staff_page_needs_verified_staff(client, book, staff_factory, verified_client):
    assert client.get("/clearing/staff/").status_code == 302
    user, device = staff_factory()
    page = verified_client(user, device).get("/clearing/staff/")
    assert page.status_code == 200 and b"Uncovered deficits" in page.content


def test_one_by_one_settles_each_with_the_parameters_in_force_at_its_close(
    book, django_capture_on_commit_callbacks
):
    """The one-by-one path reads the versions with its fund lock (decision 036): the earlier
    liquidation it settles first keeps the cap of its own close time, and a version taking
    effect after the last close plays no part."""
    from clearing.services.settlement import liquidation_settle
    from governance.services.params import param_value_set
    from tests.clearing.conftest import at

    open_seed003(book, fund=60 * USDC)
    book.deposit("bob", 5_000 * USDC)
    book.fill("bob", "buy", "1", "20000", margin=2_000 * USDC)
    book.mark("18090")
    for minute, cap in ((2.5, 30), (4, 5)):
        param_value_set(
            name="payout_cap_per_event",
            scope="fund:main",
            value=str(cap * USDC),
            source="test",
            actor="test",
            effective_at=at(minute),
        )
    with django_capture_on_commit_callbacks(execute=False):
        (bob,) = book.close("bob", "17900", minute=2)
        (alice,) = book.close("alice", "17900", minute=3)
    alice_settlement = liquidation_settle(liquidation_id=alice.pk)
    bob_settlement = Settlement.objects.get(liquidation=bob)
    assert bob_settlement.fund_delta == -60 * USDC  # no cap in force at minute 2
    assert bob_settlement.params["payout_cap_per_event"]["scope"] == "default"
    assert alice_settlement.fund_delta == 0  # the fund is empty; the cap of 2.5 is recorded
    assert alice_settlement.params["payout_cap_per_event"]["value"] == str(30 * USDC)


def test_one_by_one_settlement_round_trips(book, django_capture_on_commit_callbacks):
    """Decision 036: the lock and everything the batch starts from go in one round trip, and
    clearing's reads and writes are written statements (an ORM statement cost the one-by-one
    path ≈ 1 ms to build)."""
    from django.db import connection

    from clearing.services.settlement import liquidation_settle

    open_seed003(book)
    book.deposit("bob", 5_000 * USDC)
    book.fill("bob", "buy", "1", "20000", margin=2_000 * USDC)
    book.mark("18090")
    with django_capture_on_commit_callbacks(execute=False):
        (bob,) = book.close("bob", "17900", minute=2)
        (alice,) = book.close("alice", "17900", minute=3)
    liquidation_settle(liquidation_id=bob.pk)  # the market's first also creates its accounts
    sent, again = ClearingStatements(), ClearingStatements()
    with connection.execute_wrapper(sent):
        settlement = liquidation_settle(liquidation_id=alice.pk)
    # liquidation with market; lock + due + balance + mark + parameters; accounts; Settlement
    # row; statuses; the Settlement read back (the ledger's own statements not counted).
    assert len(sent.statements) == 6, sent.statements
    with connection.execute_wrapper(again):
        assert liquidation_settle(liquidation_id=alice.pk).pk == settlement.pk
    assert len(again.statements) == 1  # settled: answered by the first read alone


class ClearingStatements:
    """Statements sent from outside the ledger (fund/), savepoints left out."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        ledger = any(
            f"{os.sep}fund{os.sep}" in frame.filename for frame in traceback.extract_stack()
        )
        if not ledger and "SAVEPOINT" not in sql:
            self.statements.append(sql)
        return execute(sql, params, many, context)
