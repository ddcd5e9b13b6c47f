"""Any sequence of valid and invalid ledger operations keeps the books exact (PostgreSQL).

A hypothesis state machine posts deposits, transfers, withdrawals (some overdrawing), batches,
retries and conflicting reuses of keys, bad amounts, and back-dated entries, against a plain
Python model of the balances. After every step: the model equals the cached balances, cached
balances equal posting sums, no protected account is negative, the fund history (per-entry
balances, days, kinds) equals the postings, the chain verifies, and PostgreSQL's deferred
balance triggers pass (``SET CONSTRAINTS ALL IMMEDIATE`` fires them without committing). It runs
once per booking path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from common.exceptions import Conflict, Invalid
from fund.models import Entry, LedgerAccount
from fund.services import ledger
from fund.services.ledger import (
    EntryInput,
    fund_account,
    ledger_account,
    ledger_entries_post,
)
from fund.services.ledger_history_verify import history_verify
from fund.services.ledger_verify import balances_verify, chain_verify
from tests.fund.factories import AssetFactory, FundFactory

T0 = datetime(2025, 10, 10, tzinfo=UTC)
NAMES = ("alice", "bob", "fund", "reserve")  # two funds: an entry may move money between them
KINDS = ("deposit", "withdrawal", "top_up", "fee_take", "shortfall_cover", "payout")
amounts = st.one_of(st.integers(1, 10**6), st.integers(1, 10**30))
times = st.integers(0, 20 * 24).map(lambda hours: T0 + timedelta(hours=hours))


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        usdc = AssetFactory(symbol="USDC", decimals=6)
        fund = FundFactory(name="main", asset=usdc)
        self.accounts = {
            "world": ledger_account(kind="external", asset=usdc, key="USDC"),
            "alice": ledger_account(kind="trader_balance", asset=usdc, key="alice"),
            "bob": ledger_account(kind="trader_balance", asset=usdc, key="bob"),
            "fund": fund_account(fund),
            "reserve": fund_account(FundFactory(name="reserve", asset=usdc)),
        }
        self.names = {account.pk: name for name, account in self.accounts.items()}
        self.balances = dict.fromkeys(self.accounts, 0)
        self.booked: dict[str, EntryInput] = {}
        self.counter = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _entry(self, source, target, amount, kind, at) -> EntryInput:
        self.counter += 1
        postings = [(self.accounts[source], -amount), (self.accounts[target], amount)]
        return EntryInput(key=f"k{self.counter}", kind=kind, postings=postings, event_time=at)

    def _apply(self, entries: list[EntryInput]) -> bool:
        """Post; the model predicts whether it must be refused for an overdraft."""
        running, overdrawn = dict(self.balances), False
        for entry in entries:
            for account, amount in entry.postings:
                name = self.names[account.pk]
                running[name] += amount
                overdrawn = overdrawn or (name in NAMES and running[name] < 0)
        before = Entry.objects.count()
        if overdrawn:
            with pytest.raises(Invalid, match="would overdraw"):
                ledger_entries_post(entries=entries)
            assert Entry.objects.count() == before
            return False
        ledger_entries_post(entries=entries)
        self.balances = running
        self.booked.update({entry.key: entry for entry in entries})
        return True

    @rule(who=st.sampled_from(NAMES), amount=amounts, at=times)
    def deposit(self, who, amount, at):
        self._apply([self._entry("world", who, amount, "deposit", at)])

    @rule(
        src=st.sampled_from(NAMES),
        dst=st.sampled_from(NAMES),
        amount=amounts,
        kind=st.sampled_from(KINDS),
        at=times,
    )
    def transfer(self, src, dst, amount, kind, at):
        if src != dst:
            self._apply([self._entry(src, dst, amount, kind, at)])

    @rule(who=st.sampled_from(NAMES), amount=amounts, at=times)
    def withdraw(self, who, amount, at):
        self._apply([self._entry(who, "world", amount, "withdrawal", at)])

    @rule(
        moves=st.lists(
            st.tuples(st.sampled_from(("world", *NAMES)), st.sampled_from(NAMES), amounts, times),
            min_size=1,
            max_size=6,
        )
    )
    def batch(self, moves):
        entries = [
            self._entry(source, target, amount, "fee_take", at)
            for source, target, amount, at in moves
            if source != target
        ]
        if entries:
            self._apply(entries)

    @precondition(lambda self: self.booked)
    @rule(data=st.data())
    def retry_same_key(self, data):
        key = data.draw(st.sampled_from(sorted(self.booked)))
        before = Entry.objects.count()
        again = ledger_entries_post(entries=[self.booked[key]])[0]
        assert again.key == key and Entry.objects.count() == before

    @precondition(lambda self: self.booked)
    @rule(data=st.data(), extra=st.integers(1, 5))
    def reuse_key_other_content(self, data, extra):
        key = data.draw(st.sampled_from(sorted(self.booked)))
        original = self.booked[key]
        (source, amount), (target, _) = original.postings
        changed = EntryInput(
            key=key,
            kind=original.kind,
            postings=[(source, amount - extra), (target, -amount + extra)],
            event_time=original.event_time,
        )
        with pytest.raises(Conflict, match="already used"):
            ledger_entries_post(entries=[changed])

    @rule(
        bad=st.sampled_from([(-5, 4), (0, 0), (-1.5, 1.5), ("-1e3", "1e3"), (True, -1)]),
        at=times,
    )
    def bad_amounts(self, bad, at):
        before = Entry.objects.count()
        self.counter += 1
        entry = EntryInput(
            key=f"bad{self.counter}",
            kind="deposit",
            postings=[(self.accounts["world"], bad[0]), (self.accounts["alice"], bad[1])],
            event_time=at,
        )
        with pytest.raises(Invalid):
            ledger_entries_post(entries=[entry])
        assert Entry.objects.count() == before

    @invariant()
    def books_hold(self):
        cached = {
            name: LedgerAccount.objects.get(pk=account.pk).balance
            for name, account in self.accounts.items()
        }
        assert cached == self.balances
        assert balances_verify() is None
        assert history_verify() is None
        assert chain_verify() is None
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.mark.django_db
@pytest.mark.parametrize("call_limit", [ledger.CALL_LIMIT, 0], ids=["server-call", "python"])
def test_ledger_state_machine(call_limit, monkeypatch):
    """Both booking paths: small bookings by one server call (migrations 0012, 0014), and the
    Python path that big batches and SQLite take, forced here for every booking."""
    assert connection.vendor == "postgresql"
    monkeypatch.setattr(ledger, "CALL_LIMIT", call_limit)
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=15, stateful_step_count=15, deadline=None),
    )
