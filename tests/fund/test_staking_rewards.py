from datetime import timedelta
from decimal import Decimal

import pytest
from eth_abi.packed import encode_packed
from eth_utils import keccak

from fund.models import RewardEpoch
from fund.selectors.staking_stats import apr_30d, reward_claim, staking_stats
from fund.services.staking import stake_create, unstake_request
from fund.services.staking_rewards import reward_epoch_close
from fund.staking_math import SHARE_OFFSET
from fund.staking_merkle import leaf_hash, merkle_proof, merkle_root, merkle_verify
from tests.fund.conftest import T0
from tests.fund.staking_helpers import address, fund_move, member_fund

USDC = 1_000_000
HOUR = timedelta(hours=1)


def test_leaf_matches_abi_encode_packed():
    who = "0x" + "11" * 20
    packed = encode_packed(["uint256", "address", "uint256"], [7, who, 5])
    assert leaf_hash(7, who, 5) == keccak(packed)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13])
def test_every_proof_verifies_and_tampering_fails(count):
    rows = [(i, "0x" + f"{i + 1:040x}", (i + 1) * 1000) for i in range(count)]
    leaves = [leaf_hash(*row) for row in rows]
    root = merkle_root(leaves)
    for row, leaf in zip(rows, leaves, strict=True):
        proof = merkle_proof(leaves, leaf)
        assert merkle_verify(proof, root, leaf)
        assert not merkle_verify(proof, root, leaf_hash(row[0], row[1], row[2] + 1))


def test_two_leaf_root_is_the_sorted_pair_hash():
    a, b = leaf_hash(0, "0x" + "22" * 20, 1), leaf_hash(1, "0x" + "33" * 20, 2)
    assert merkle_root([a, b]) == keccak(min(a, b) + max(a, b))


def test_epoch_pays_points_per_free_share_second(main_fund):
    alice, bob = address(1), address(2)
    for who in (alice, bob):
        member_fund(main_fund, who, 1_000 * USDC, at=T0)
    stake_create(fund=main_fund, address=alice, amount=100 * USDC, client_key="a", now=T0)
    stake_create(fund=main_fund, address=bob, amount=300 * USDC, client_key="b", now=T0 + HOUR)
    bob_shares = 300 * USDC * SHARE_OFFSET
    unstake_request(fund=main_fund, address=bob, shares=bob_shares, now=T0 + 2 * HOUR)
    epoch = reward_epoch_close(fund=main_fund, until=T0 + 3 * HOUR)
    amounts = dict(epoch.leaves.values_list("address", "amount"))  # reward_rate 0.01
    assert amounts[alice] == 100 * USDC * SHARE_OFFSET * 3 * 3600 // 100
    assert amounts[bob] == 300 * USDC * SHARE_OFFSET * 3600 // 100  # only its free hour
    assert epoch.total == sum(amounts.values())
    for who in (alice, bob):
        claim = reward_claim(epoch=epoch, address=who)
        leaf = leaf_hash(claim.index, who, claim.amount)
        proof = [bytes.fromhex(p[2:]) for p in claim.proof]
        assert merkle_verify(proof, bytes.fromhex(epoch.root[2:]), leaf)
    assert reward_claim(epoch=epoch, address=address(3)) is None


def test_closing_twice_is_a_no_op_and_next_epoch_continues(main_fund):
    alice = address(1)
    member_fund(main_fund, alice, 10 * USDC, at=T0)
    stake_create(fund=main_fund, address=alice, amount=10 * USDC, client_key="a", now=T0)
    first = reward_epoch_close(fund=main_fund, until=T0 + HOUR)
    assert reward_epoch_close(fund=main_fund, until=T0 + HOUR).pk == first.pk
    second = reward_epoch_close(fund=main_fund, until=T0 + 2 * HOUR)
    assert (second.number, second.started_at) == (2, T0 + HOUR)
    assert second.total == first.total
    assert RewardEpoch.objects.count() == 2


def test_stats_and_apr(main_fund):
    alice = address(1)
    member_fund(main_fund, alice, 1_000 * USDC, at=T0)
    stake_create(fund=main_fund, address=alice, amount=1_000 * USDC, client_key="a", now=T0)
    assert apr_30d(main_fund, now=T0) is None
    fund_move(main_fund, 10 * USDC, at=T0 + timedelta(days=10))
    apr = apr_30d(main_fund, now=T0 + timedelta(days=30))
    assert apr == Decimal("12.16")  # 1 % in 30 days, simple annualized, rounded down
    stats = staking_stats(main_fund, now=T0 + timedelta(days=30))
    assert stats.stakers == 1 and stats.total_staked == 1_010 * USDC - 1
    assert stats.share_price.startswith("1.0099")


def test_beat_task_closes_each_fund_once_a_day(main_fund):
    from fund.tasks import close_reward_epochs_task

    alice = address(1)
    member_fund(main_fund, alice, 10 * USDC, at=T0)
    stake_create(fund=main_fund, address=alice, amount=10 * USDC, client_key="a", now=T0)
    first = close_reward_epochs_task.delay().get()
    assert len(first) == 1 and first[0].startswith("main#1:0x")
    assert close_reward_epochs_task.delay().get() == first


def test_nothing_to_close_before_the_first_stake(main_fund):
    alice = address(1)
    member_fund(main_fund, alice, 10 * USDC, at=T0)
    stake_create(fund=main_fund, address=alice, amount=10 * USDC, client_key="a", now=T0)
    assert reward_epoch_close(fund=main_fund, until=T0 - HOUR) is None


def test_price_text_is_exact_and_rounds_down():
    from fractions import Fraction

    from fund.selectors.staking_stats import price_text

    assert price_text(Fraction(2, 3)) == "0.666666"
    assert price_text(Fraction(-1, 3), 2) == "-0.34"
    assert price_text(Fraction(10**40 + 1, 10**6)) == "10000000000000000000000000000000000.000001"
