from datetime import timedelta

import pytest

from common.exceptions import Conflict, Forbidden, Invalid, NotFound
from fund.models import Entry, OnchainDeposit, ShareEvent, StakePool, UnstakeRequest
from fund.selectors.ledger import account_balance, fund_balance
from fund.selectors.staking import staked_shares_at, staker_values
from fund.services.staking import (
    stake_create,
    unstake_cancel,
    unstake_request,
    unstake_withdraw,
)
from fund.staking_math import SHARE_OFFSET
from governance.services.params import param_value_set
from tests.fund.conftest import T0
from tests.fund.staking_helpers import address, fund_move, member_fund

ALICE, BOB = address(0xA11CE), address(0xB0B)
USDC = 1_000_000
DAY = timedelta(days=1)


@pytest.fixture
def alice(main_fund):
    return member_fund(main_fund, ALICE, 10_000 * USDC, at=T0)


@pytest.fixture
def bob(main_fund):
    return member_fund(main_fund, BOB, 10_000 * USDC, at=T0)


def value_of(fund, who):
    return dict(staker_values(fund=fund))[who.lower()]


def stake(fund, who, amount, key="k1", at=T0, **kw):
    return stake_create(fund=fund, address=who, amount=amount, client_key=key, now=at, **kw)


def test_stake_mints_shares_and_moves_money(main_fund, alice):
    deposit = stake(main_fund, ALICE, 1_000 * USDC)
    assert deposit.shares == 1_000 * USDC * SHARE_OFFSET
    assert fund_balance(main_fund) == 1_000 * USDC
    assert account_balance(alice) == 9_000 * USDC
    assert deposit.entry.kind == "stake"
    assert staker_values(fund=main_fund) == [(ALICE.lower(), 1_000 * USDC)]


def test_stake_replay_with_same_client_key(main_fund, alice):
    first = stake(main_fund, ALICE, 5 * USDC)
    again = stake(main_fund, ALICE, 5 * USDC)
    assert again.pk == first.pk and Entry.objects.filter(kind="stake").count() == 1
    with pytest.raises(Conflict, match="different stake"):
        stake(main_fund, ALICE, 6 * USDC)


@pytest.mark.parametrize(
    ("amount", "message"),
    [(0, "must be a positive"), (-5, "must be a positive"), (999_999, "at least 1000000")],
)
def test_bad_first_stake_is_refused(main_fund, alice, amount, message):
    with pytest.raises(Invalid, match=message):
        stake(main_fund, ALICE, amount)
    assert Entry.objects.filter(kind="stake").count() == 0
    assert fund_balance(main_fund) == 0


def test_stake_above_balance_is_refused(main_fund, alice):
    with pytest.raises(Invalid, match="exceeds your USDC balance") as err:
        stake(main_fund, ALICE, 10_001 * USDC)
    assert err.value.fields == {"amount": [err.value.fields["amount"][0]]}


def test_existing_fund_balance_belongs_to_the_protocol(main_fund, alice):
    fund_move(main_fund, 5_000 * USDC, at=T0)
    stake(main_fund, ALICE, 1_000 * USDC)
    pool = StakePool.objects.get(fund=main_fund)
    assert pool.protocol_shares == 5_000 * USDC * SHARE_OFFSET
    assert staker_values(fund=main_fund) == [(ALICE.lower(), 1_000 * USDC)]
    fund_move(main_fund, 600 * USDC, at=T0 + DAY)  # a gain: 1/6 to alice
    assert value_of(main_fund, ALICE) in (1_100 * USDC - 1, 1_100 * USDC)


def test_inflation_attack_is_defeated(main_fund, alice, bob):
    """Attacker stakes the minimum, then donates a fortune: the victim still gets fair shares."""
    minimum = 1 * USDC
    stake(main_fund, BOB, minimum)
    fund_move(main_fund, 9_000 * USDC, at=T0)  # the donation straight into the fund
    victim = stake(main_fund, ALICE, 1_000 * USDC)
    assert victim.shares > 0
    values = dict(staker_values(fund=main_fund))
    # The victim loses at most a rounding unit; the attacker only gave his donation away.
    assert values[ALICE.lower()] >= 1_000 * USDC - 1
    assert values[BOB.lower()] <= minimum + 9_000 * USDC
    assert sum(values.values()) <= fund_balance(main_fund)


def test_revenue_share_mints_protocol_shares(main_fund, alice):
    param_value_set(
        name="staker_revenue_share", scope="fund:main", value="0.25", source="test", actor="t"
    )
    fund_move(main_fund, 1_000 * USDC, at=T0)  # protocol-owned
    stake(main_fund, ALICE, 1_000 * USDC)
    fund_move(main_fund, 800 * USDC, at=T0 + DAY, kind="fee_take")
    # the stakers' quarter (200) moves the price for all: alice holds half of the shares
    assert value_of(main_fund, ALICE) in (1_100 * USDC - 1, 1_100 * USDC)


def test_unstake_cooldown_boundaries(main_fund, alice):
    deposit = stake(main_fund, ALICE, 1_000 * USDC)
    request = unstake_request(fund=main_fund, address=ALICE, shares=deposit.shares, now=T0)
    assert request.available_at == T0 + timedelta(days=13)
    just_before = request.available_at - timedelta(microseconds=1)
    with pytest.raises(Conflict, match="cooldown runs until") as err:
        unstake_withdraw(request_id=request.pk, address=ALICE, client_key="w", now=just_before)
    assert err.value.code == "cooldown"
    assert Entry.objects.filter(kind="unstake").count() == 0
    done = unstake_withdraw(
        request_id=request.pk, address=ALICE, client_key="w", now=request.available_at
    )
    assert done.status == UnstakeRequest.Status.WITHDRAWN and done.paid == 1_000 * USDC
    assert account_balance(alice) == 10_000 * USDC
    again = unstake_withdraw(
        request_id=request.pk, address=ALICE, client_key="w", now=request.available_at
    )
    assert again.pk == done.pk and Entry.objects.filter(kind="unstake").count() == 1
    with pytest.raises(Conflict, match="already withdrawn"):
        unstake_withdraw(
            request_id=request.pk, address=ALICE, client_key="other", now=request.available_at
        )


def test_withdraw_pays_min_of_request_and_now(main_fund, alice, bob):
    shares = stake(main_fund, ALICE, 1_000 * USDC).shares
    stake(main_fund, BOB, 1_000 * USDC, key="b")
    gain = unstake_request(fund=main_fund, address=ALICE, shares=shares // 2, now=T0)
    fund_move(main_fund, 1_000 * USDC, at=T0 + DAY)  # price +50 %
    paid = unstake_withdraw(
        request_id=gain.pk, address=ALICE, client_key="w1", now=T0 + 13 * DAY
    ).paid
    assert paid == 500 * USDC  # the value at request; the gain stays in the fund
    loss = unstake_request(fund=main_fund, address=ALICE, shares=shares // 2, now=T0 + 13 * DAY)
    assert loss.value_at_request > 700 * USDC
    fund_move(main_fund, -1_500 * USDC, at=T0 + 14 * DAY)
    later = unstake_withdraw(request_id=loss.pk, address=ALICE, client_key="w2", now=T0 + 30 * DAY)
    assert later.paid < loss.value_at_request
    assert staker_values(fund=main_fund)[0][0] == BOB.lower()
    assert sum(v for _, v in staker_values(fund=main_fund)) <= fund_balance(main_fund)


def test_unstake_more_than_free_is_refused(main_fund, alice):
    shares = stake(main_fund, ALICE, 10 * USDC).shares
    unstake_request(fund=main_fund, address=ALICE, shares=shares - 5, now=T0)
    with pytest.raises(Invalid, match="only 5 shares are free"):
        unstake_request(fund=main_fund, address=ALICE, shares=6, now=T0)
    with pytest.raises(Invalid, match="only 0 shares are free"):
        unstake_request(fund=main_fund, address=BOB, shares=1, now=T0)
    with pytest.raises(Invalid, match="positive"):
        unstake_request(fund=main_fund, address=ALICE, shares=0, now=T0)


def test_cancel_frees_shares_once(main_fund, alice):
    shares = stake(main_fund, ALICE, 10 * USDC).shares
    request = unstake_request(fund=main_fund, address=ALICE, shares=shares, now=T0)
    unstake_cancel(request_id=request.pk, address=ALICE, now=T0 + DAY)
    with pytest.raises(Conflict, match="already cancelled"):
        unstake_cancel(request_id=request.pk, address=ALICE, now=T0 + DAY)
    with pytest.raises(Conflict, match="already cancelled"):
        unstake_withdraw(request_id=request.pk, address=ALICE, client_key="w", now=T0 + 20 * DAY)
    with pytest.raises(NotFound):
        unstake_cancel(request_id=request.pk, address=BOB, now=T0 + DAY)
    unstake_request(fund=main_fund, address=ALICE, shares=shares, now=T0 + DAY)


def test_staked_shares_at_snapshot(main_fund, alice):
    shares = stake(main_fund, ALICE.upper().replace("0X", "0x"), 10 * USDC).shares
    assert staked_shares_at(address=ALICE, at=T0 - timedelta(seconds=1)) == 0
    assert staked_shares_at(address=ALICE.upper().replace("0X", "0x"), at=T0) == shares
    request = unstake_request(fund=main_fund, address=ALICE, shares=shares, now=T0 + DAY)
    assert staked_shares_at(address=ALICE, at=T0 + 2 * DAY) == shares  # still at risk
    unstake_withdraw(request_id=request.pk, address=ALICE, client_key="w", now=T0 + 14 * DAY)
    assert staked_shares_at(address=ALICE, at=T0 + 13 * DAY) == shares
    assert staked_shares_at(address=ALICE, at=T0 + 14 * DAY) == 0
    assert ShareEvent.objects.filter(holder=ALICE.lower()).count() == 2


def onchain(fund, *, confirmed=True, sender=ALICE, amount=50 * USDC, tx="ab"):
    return OnchainDeposit.objects.create(
        tx_hash="0x" + tx * 32,
        chain_id=31337,
        fund=fund,
        from_address=sender.lower(),
        amount=amount,
        block_number=100,
        confirmed_block=102 if confirmed else None,
        seen_at=T0,
    )


def test_stake_from_confirmed_onchain_transfer(main_fund):
    deposit = onchain(main_fund)
    stake(main_fund, ALICE, 50 * USDC, tx_hash=deposit.tx_hash.upper().replace("0X", "0x"))
    assert fund_balance(main_fund) == 50 * USDC
    with pytest.raises(Conflict, match="already staked"):
        stake(main_fund, ALICE, 50 * USDC, key="k2", tx_hash=deposit.tx_hash)


@pytest.mark.parametrize(
    ("setup", "amount", "error", "message"),
    [
        ({"tx": "cd"}, 50, Invalid, "unknown transaction"),
        ({"confirmed": False}, 50, Invalid, "not confirmed yet"),
        ({"sender": BOB}, 50, Forbidden, "another address"),
        ({}, 49, Invalid, "must equal the transferred amount"),
    ],
)
def test_bad_onchain_stake_books_nothing(main_fund, setup, amount, error, message):
    onchain(main_fund, **setup)
    with pytest.raises(error, match=message):
        stake(main_fund, ALICE, amount * USDC, tx_hash="0x" + "ab" * 32)
    assert Entry.objects.filter(kind="stake").count() == 0
