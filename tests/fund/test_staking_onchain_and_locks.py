import threading
from datetime import timedelta

import pytest
from django.db import connection

from common.exceptions import Conflict
from fund.models import ShareEvent, StakePool
from fund.selectors.ledger import fund_balance
from fund.selectors.staking import staker_values
from fund.services.staking import stake_create
from fund.services.staking_onchain import onchain_deposit_record
from governance.selectors.power import staked_shares_at as power_staked
from tests.fund.conftest import T0
from tests.fund.staking_helpers import address, member_fund

USDC = 1_000_000
TX = "0x" + "ef" * 32


def record(fund, **changes):
    values = {
        "tx_hash": TX,
        "chain_id": 31337,
        "fund": fund,
        "from_address": address(1),
        "amount": 5 * USDC,
        "block_number": 10,
        "confirmed_block": None,
        "seen_at": T0,
        **changes,
    }
    return onchain_deposit_record(**values)


def test_indexer_records_confirms_and_freezes_after_stake(main_fund):
    first = record(main_fund)
    assert record(main_fund).pk == first.pk  # idempotent
    moved = record(main_fund, block_number=11)  # a reorg moved it
    assert moved.block_number == 11 and moved.confirmed_block is None
    record(main_fund, block_number=11, confirmed_block=13)
    stake_create(
        fund=main_fund, address=address(1), amount=5 * USDC, client_key="k", now=T0, tx_hash=TX
    )
    with pytest.raises(Conflict, match="already staked"):
        record(main_fund, block_number=12, confirmed_block=14)


def test_governance_reads_staked_shares(main_fund):
    member_fund(main_fund, address(1), 10 * USDC, at=T0)
    deposit = stake_create(
        fund=main_fund, address=address(1), amount=10 * USDC, client_key="k", now=T0
    )
    assert power_staked(address=address(1).upper().replace("0X", "0x"), at=T0) == deposit.shares
    assert power_staked(address=address(1), at=T0 - timedelta(seconds=1)) == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_stakes_serialize(usdc, main_fund):
    members = [address(n) for n in range(1, 5)]
    for who in members:
        member_fund(main_fund, who, 10 * USDC, at=T0)
    errors = []

    def run(who):
        try:
            stake_create(fund=main_fund, address=who, amount=3 * USDC, client_key="k", now=T0)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(who,)) for who in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    pool = StakePool.objects.get(fund=main_fund)
    assert pool.total_shares == sum(ShareEvent.objects.values_list("delta", flat=True))
    assert fund_balance(main_fund) == 12 * USDC
    assert [value for _, value in staker_values(fund=main_fund)] == [3 * USDC] * 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_stake_book_once(usdc, main_fund):
    who = address(1)
    member_fund(main_fund, who, 10 * USDC, at=T0)
    results, errors = [], []

    def run():
        try:
            results.append(
                stake_create(
                    fund=main_fund, address=who, amount=2 * USDC, client_key="same", now=T0
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len({deposit.pk for deposit in results}) == 1
    assert fund_balance(main_fund) == 2 * USDC
    assert ShareEvent.objects.filter(holder=who).count() == 1


def test_postgres_refuses_locking_more_than_held(main_fund):
    from django.db import IntegrityError, transaction

    from fund.models import StakePosition

    member_fund(main_fund, address(1), 10 * USDC, at=T0)
    stake_create(fund=main_fund, address=address(1), amount=9 * USDC, client_key="k", now=T0)
    position = StakePosition.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        StakePosition.objects.filter(pk=position.pk).update(locked_shares=position.shares + 1)


def test_staking_check_command_finds_a_tampered_cache(main_fund):
    from django.core.management import CommandError, call_command

    from fund.models import StakePosition

    member_fund(main_fund, address(1), 10 * USDC, at=T0)
    stake_create(fund=main_fund, address=address(1), amount=9 * USDC, client_key="k", now=T0)
    call_command("staking_check")
    StakePosition.objects.update(shares=1)
    with pytest.raises(CommandError, match="shares 1"):
        call_command("staking_check")
