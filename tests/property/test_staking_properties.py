"""hypothesis over sequences of stakes, unstakes and fund gains and losses: shares never
claim more than the fund holds, a withdrawal never pays more than the shares are worth, and
every rounding goes against the actor."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.exceptions import BackstopError
from fund.models import StakePosition, UnstakeRequest
from fund.selectors.ledger import fund_balance
from fund.selectors.staking import pool_now, staker_values
from fund.services.staking import stake_create, unstake_cancel, unstake_request, unstake_withdraw
from fund.services.staking_verify import staking_verify
from fund.staking_math import shares_for, value_of
from governance.services.params import param_value_set
from tests.fund.conftest import T0
from tests.fund.factories import AssetFactory, FundFactory
from tests.fund.staking_helpers import address, fund_move, member_fund

MEMBERS = [address(n) for n in (1, 2, 3)]
AMOUNT = st.integers(min_value=1, max_value=10**13)
OPS = st.one_of(
    st.tuples(st.just("stake"), st.integers(0, 2), AMOUNT),
    st.tuples(st.just("unstake"), st.integers(0, 2), st.integers(1, 8)),
    st.tuples(st.just("withdraw"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("cancel"), st.integers(0, 2), st.just(0)),
    st.tuples(st.just("gain"), st.just(0), AMOUNT),
    st.tuples(st.just("fee"), st.just(0), AMOUNT),
    st.tuples(st.just("loss"), st.just(0), st.integers(1, 100)),
)


@given(
    total=st.integers(0, 10**30),
    balance=st.integers(0, 10**20),
    cuts=st.lists(st.integers(0, 10**30), max_size=5),
)
def test_values_of_any_split_sum_to_at_most_the_balance(total, balance, cuts):
    parts = sorted({min(c, total) for c in cuts} | {0, total})
    pieces = [b - a for a, b in zip(parts, parts[1:], strict=False)]
    assert sum(value_of(p, total=total, balance=balance) for p in pieces) <= balance


@given(amount=st.integers(1, 10**20), total=st.integers(0, 10**30), balance=st.integers(0, 10**20))
def test_a_stake_is_never_worth_more_than_it_paid(amount, total, balance):
    minted = shares_for(amount, total=total, balance=balance)
    assert value_of(minted, total=total + minted, balance=balance + amount) <= amount


def _check_books(fund, now):
    assert staking_verify() is None
    state, _ = pool_now(fund, at=now)
    balance = fund_balance(fund)
    assert state.value_of(state.total) <= balance
    assert sum(value for _, value in staker_values(fund=fund)) <= balance


@pytest.mark.django_db
@settings(max_examples=30)
@given(
    ops=st.lists(OPS, min_size=1, max_size=14),
    revenue_share=st.sampled_from(["0", "0.35", "1"]),
    seed=st.integers(0, 10**12),
)
def test_any_sequence_keeps_the_fund_solvent(ops, revenue_share, seed):
    fund = FundFactory(asset=AssetFactory())
    fund_move(fund, seed, at=T0)  # money the protocol owned before any stake
    param_value_set(
        name="staker_revenue_share",
        scope=f"fund:{fund.name}",
        value=revenue_share,
        source="test",
        actor="test",
        effective_at=T0,
    )
    for who in MEMBERS:
        member_fund(fund, who, 10**14, at=T0)
    now = T0
    for step, (op, who_index, amount) in enumerate(ops):
        now += timedelta(days=1)
        who = MEMBERS[who_index]
        position = StakePosition.objects.filter(fund=fund, address=who).first()
        pending = UnstakeRequest.objects.filter(fund=fund, address=who, status="pending")
        booked = fund_balance(fund)
        try:
            if op == "stake":
                before = fund_balance(fund)
                deposit = stake_create(
                    fund=fund, address=who, amount=amount, client_key=f"s{step}", now=now
                )
                state, _ = pool_now(fund, at=now)
                assert state.value_of(deposit.shares) <= amount  # rounded against the staker
                assert fund_balance(fund) == before + amount
            elif op == "unstake" and position and position.free_shares:
                shares = max(1, position.free_shares * amount // 8)
                unstake_request(fund=fund, address=who, shares=shares, now=now)
            elif op == "withdraw" and pending.exists():
                request = pending.order_by("id").first()
                now = max(now, request.available_at)
                state, _ = pool_now(fund, at=now)
                worth = state.value_of(request.shares)
                done = unstake_withdraw(
                    request_id=request.pk, address=who, client_key=f"w{step}", now=now
                )
                assert done.paid <= worth and done.paid <= request.value_at_request
            elif op == "cancel" and pending.exists():
                unstake_cancel(request_id=pending.first().pk, address=who, now=now)
            elif op in ("gain", "fee"):
                fund_move(fund, amount, at=now, kind="top_up" if op == "gain" else "fee_take")
            elif op == "loss":
                fund_move(fund, -(fund_balance(fund) * amount // 100), at=now)
        except BackstopError:  # refused (below the minimum, too small for a share)
            assert fund_balance(fund) == booked  # nothing booked
        _check_books(fund, now)
