"""On anvil: tracking wallets, Safe state changes, balances at a block, reorgs, outages."""

import pytest
from eth_account import Account

from common.exceptions import ExternalUnavailable, Invalid
from common.models import AuditEntry
from custody.clients.chain import ChainClient
from custody.models import BalanceReading, CustodyAlert, SafeReading, TrackedWallet
from custody.services.readings import balances_read, safe_state_read
from custody.services.reorgs import readings_reorg_check
from custody.services.wallets import wallet_track
from tests.custody.conftest import CHAIN_ID

pytestmark = [pytest.mark.chain, pytest.mark.django_db]


def track(world, fund, **kwargs):
    world.mine(3)
    return wallet_track(
        chain_id=CHAIN_ID, address=world.safe, kind="safe", fund=fund, actor="test", **kwargs
    )


def test_owner_change_and_lower_threshold_raise_alerts(safe_world, custody_fund):
    wallet = track(safe_world, custody_fund)
    first = safe_state_read(wallet=wallet)
    assert first.threshold == 2 and len(first.owners) == 3
    newcomer = Account.create().address
    safe_world.safe_exec(
        safe_world.safe_contract().encode_abi("addOwnerWithThreshold", args=[newcomer, 1])
    )
    safe_world.mine(3)
    second = safe_state_read(wallet=wallet)
    assert newcomer in second.owners and second.block_number > first.block_number
    kinds = set(CustodyAlert.objects.values_list("kind", flat=True))
    assert kinds == {"owner_added", "threshold_lowered"}
    assert AuditEntry.objects.filter(action="backstop.custody.alert.owner_added").exists()


def test_reading_twice_at_the_same_block_stores_once(safe_world, custody_fund):
    wallet = track(safe_world, custody_fund)
    safe_state_read(wallet=wallet)
    safe_state_read(wallet=wallet)
    assert SafeReading.objects.count() == 1


def test_balances_at_a_past_block(safe_world, custody_fund):
    wallet = track(safe_world, custody_fund)
    client = safe_world.client
    before = balances_read(wallet=wallet)
    past = before[0].block_number
    safe_world.send(safe_world.usdc.functions.transfer(safe_world.safe, 2_000_000))
    safe_world.mine(3)
    after = balances_read(wallet=wallet)
    token = safe_world.usdc.address
    amounts = {r.block_number: r.amount for r in BalanceReading.objects.filter(token=token)}
    assert amounts == {past: 5_000_000_000, after[0].block_number: 5_002_000_000}
    assert client.token_balance(token, safe_world.safe, block=past) == 5_000_000_000


def test_reorg_rewinds_readings(safe_world, custody_fund):
    wallet = track(safe_world, custody_fund)
    w3 = safe_world.client.w3
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    safe_world.send(safe_world.usdc.functions.transfer(safe_world.safe, 1))
    safe_world.mine(3)
    readings = balances_read(wallet=wallet)
    w3.provider.make_request("evm_revert", [snapshot])
    safe_world.send(safe_world.usdc.functions.transfer(safe_world.safe, 7))  # another fork
    safe_world.mine(3)
    assert readings_reorg_check(chain_id=CHAIN_ID) == len(readings)
    assert not BalanceReading.objects.filter(rewound_at__isnull=True).exists()
    assert CustodyAlert.objects.filter(kind="reorg", wallet=wallet).exists()
    fresh = balances_read(wallet=wallet)
    assert fresh[-1].amount == 5_000_000_007


def test_unreachable_rpc_is_an_error_not_data(custody_fund):
    dead = ChainClient(chain_id=CHAIN_ID, url="http://127.0.0.1:9", timeout=1, retries=1)
    with pytest.raises(ExternalUnavailable, match="did not answer"):
        wallet_track(
            chain_id=CHAIN_ID,
            address="0x" + "11" * 20,
            kind="eoa",
            fund=custody_fund,
            actor="test",
            client=dead,
        )
    assert not TrackedWallet.objects.exists()


def test_bad_checksum_is_refused(safe_world, custody_fund):
    wrong = safe_world.safe[:2] + safe_world.safe[2:].swapcase()
    with pytest.raises(Invalid, match="checksum"):
        wallet_track(chain_id=CHAIN_ID, address=wrong, kind="safe", fund=custody_fund, actor="t")


def test_contract_that_is_not_a_safe_is_refused(safe_world, custody_fund):
    safe_world.mine(3)
    token = safe_world.usdc.address
    with pytest.raises(Invalid, match="not a Safe"):
        wallet_track(chain_id=CHAIN_ID, address=token, kind="safe", fund=custody_fund, actor="t")
    with pytest.raises(Invalid, match="is a contract"):
        wallet_track(chain_id=CHAIN_ID, address=token, kind="eoa", fund=custody_fund, actor="t")
    assert not TrackedWallet.objects.exists()
