"""Reserve-proof epochs: the published bundle verifies, pauses payouts when short, and a
rewritten ledger is refused instead of published."""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from eth_account import Account

from backstop_verify.__main__ import main as verify_main
from backstop_verify.bundle import verify_bundle
from backstop_verify.rpc import verify_onchain
from common.exceptions import Conflict
from custody.models import CustodyAlert, ReserveEpoch
from custody.selectors import payouts_paused, staker_proof
from custody.services.epochs import reserve_epoch_create
from custody.services.reorgs import readings_reorg_check
from custody.services.wallets import wallet_track
from fund.models import Entry, LedgerAccount
from fund.services.ledger import fund_account, ledger_account, ledger_entry_post
from tests.custody.conftest import CHAIN_ID

T0 = datetime(2025, 10, 10, 20, 0, tzinfo=UTC)


def deposit(fund, amount: int, key: str):
    world = ledger_account(kind=LedgerAccount.Kind.EXTERNAL, asset=fund.asset, key="world")
    return ledger_entry_post(
        key=key,
        kind="top_up",
        postings=[(world, -amount), (fund_account(fund), amount)],
        event_time=T0,
        fund=fund,
    )


def failed(epoch, **kwargs):
    bundle = json.loads(epoch.bundle)
    return [check.name for check in verify_bundle(bundle, **kwargs) if not check.ok]


@pytest.fixture
def signer(settings):
    return Account.from_key(settings.SERVICE_SIGNING_KEY).address


@pytest.mark.django_db
def test_epoch_without_a_chain_verifies(custody_fund, settings, signer, tmp_path):
    settings.ETH_RPC_URLS = {}
    for i in range(5):
        deposit(custody_fund, 1_000_000, f"d{i}")
    epoch = reserve_epoch_create()
    bundle = json.loads(epoch.bundle)
    assert bundle["funds"][0]["assets"]["status"] == "no chain configured"
    assert bundle["funds"][0]["liabilities"]["total"] == "5000000"
    assert failed(epoch, expected_signer=signer) == []
    assert not payouts_paused(custody_fund)
    path = tmp_path / "epoch.json"
    path.write_text(epoch.bundle)
    assert verify_main([str(path), "--signer", signer, "--quiet"]) == 0


@pytest.mark.django_db
def test_consistency_between_two_epochs(custody_fund, settings, tmp_path):
    settings.ETH_RPC_URLS = {}
    deposit(custody_fund, 5, "a")
    first = reserve_epoch_create()
    for i in range(6):
        deposit(custody_fund, 5, f"b{i}")
    second = reserve_epoch_create()
    previous = json.loads(first.bundle)
    assert json.loads(second.bundle)["ledger"]["previous"]["root"] == first.ledger_root
    assert failed(second, previous=previous) == []
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(first.bundle)
    new.write_text(second.bundle)
    assert verify_main([str(new), "--previous", str(old), "--quiet"]) == 0


@pytest.mark.django_db(transaction=True)
def test_rewritten_old_entry_is_never_published(custody_fund, settings):
    settings.ETH_RPC_URLS = {}
    for i in range(4):
        deposit(custody_fund, 5, f"a{i}")
    reserve_epoch_create()
    deposit(custody_fund, 5, "later")
    with connection.cursor() as cursor:  # what an attacker with database access could do
        cursor.execute("ALTER TABLE fund_entry DISABLE TRIGGER ALL")
        Entry.objects.filter(seq=2).update(hash="ab" * 32)
        cursor.execute("ALTER TABLE fund_entry ENABLE TRIGGER ALL")
    with pytest.raises(Conflict, match="ledger.consistency"):
        reserve_epoch_create()
    assert ReserveEpoch.objects.count() == 1
    assert CustodyAlert.objects.filter(kind="proof_failed").exists()


@pytest.mark.chain
@pytest.mark.django_db
def test_epoch_on_chain_measures_the_safe_and_pauses_when_short(
    safe_world, custody_fund, signer, tmp_path, anvil_url
):
    safe_world.mine(3)
    wallet_track(
        chain_id=CHAIN_ID, address=safe_world.safe, kind="safe", fund=custody_fund, actor="t"
    )
    deposit(custody_fund, 4_000_000_000, "in")
    first = reserve_epoch_create()
    section = json.loads(first.bundle)["funds"][0]
    assert section["assets"]["total"] == "5000000000" and section["solvent"] is True
    assert section["assets"]["wallets"][0]["safe"]["threshold"] == 2
    assert not payouts_paused(custody_fund)
    path = tmp_path / "epoch.json"
    path.write_text(first.bundle)
    assert verify_main([str(path), "--rpc", anvil_url, "--signer", signer, "--quiet"]) == 0

    deposit(custody_fund, 2_000_000_000, "more")
    safe_world.mine(1)
    second = reserve_epoch_create()
    assert json.loads(second.bundle)["funds"][0]["solvent"] is False
    assert payouts_paused(custody_fund)
    assert CustodyAlert.objects.filter(kind="reserves_short", fund=custody_fund).exists()


@pytest.mark.chain
@pytest.mark.django_db
def test_rpc_check_catches_changed_balance_and_owners(
    safe_world, custody_fund, tmp_path, anvil_url
):
    safe_world.mine(3)
    wallet_track(
        chain_id=CHAIN_ID, address=safe_world.safe, kind="safe", fund=custody_fund, actor="t"
    )
    bundle = json.loads(reserve_epoch_create().bundle)
    wallet = bundle["funds"][0]["assets"]["wallets"][0]
    wallet["amount"] = "6000000000"
    wallet["safe"]["owners"][0] = Account.create().address
    failed_names = {c.name for c in verify_onchain(bundle, anvil_url) if not c.ok}
    name = f"rpc.wallet[{CHAIN_ID}:{safe_world.safe}]"
    assert failed_names == {f"{name}.amount", f"{name}.safe"}
    path = tmp_path / "epoch.json"
    path.write_text(json.dumps(bundle))
    assert verify_main([str(path), "--rpc", anvil_url, "--quiet"]) == 1


def test_unreachable_node_fails_the_rpc_check():
    bundle = {"chains": [], "funds": []}
    checks = verify_onchain(bundle, "http://127.0.0.1:9", timeout=1)
    assert [(c.name, c.ok) for c in checks] == [("rpc", False)]


@pytest.mark.django_db
def test_epoch_counts_real_stakers(custody_fund, settings):
    from fund.services.staking import stake_create
    from tests.fund.staking_helpers import address, member_fund

    settings.ETH_RPC_URLS = {}
    alice = address(0xA11CE)
    member_fund(custody_fund, alice, 10_000_000_000, at=T0)
    stake_create(fund=custody_fund, address=alice, amount=1_000_000_000, client_key="k1", now=T0)
    epoch = reserve_epoch_create()
    stakers = json.loads(epoch.bundle)["funds"][0]["stakers"]
    assert [i.lower() for i in stakers["ids"]] == [alice.lower()]
    assert int(stakers["total"]) == 1_000_000_000
    assert staker_proof(epoch=epoch, fund_name="main", address=alice)["verified"]


@pytest.mark.chain
@pytest.mark.django_db
def test_reorg_below_a_published_epoch_raises_an_alert(safe_world, custody_fund):
    safe_world.mine(3)
    wallet_track(
        chain_id=CHAIN_ID, address=safe_world.safe, kind="safe", fund=custody_fund, actor="t"
    )
    w3 = safe_world.client.w3
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    safe_world.mine(3)
    epoch = reserve_epoch_create()
    w3.provider.make_request("evm_revert", [snapshot])
    safe_world.send(safe_world.usdc.functions.transfer(safe_world.safe, 3))
    safe_world.mine(3)
    readings_reorg_check(chain_id=CHAIN_ID)
    readings_reorg_check(chain_id=CHAIN_ID)  # flagged once, not on every run
    alerts = CustodyAlert.objects.filter(kind="reorg", details__epoch=epoch.number)
    assert alerts.count() == 1


@pytest.mark.django_db(transaction=True)
def test_altered_entry_content_is_never_published(custody_fund, settings):
    """The hash stays, the memo changes: the trees agree, the ledger's chain does not."""
    settings.ETH_RPC_URLS = {}
    for i in range(3):
        deposit(custody_fund, 5, f"a{i}")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE fund_entry DISABLE TRIGGER ALL")
        Entry.objects.filter(seq=2).update(memo="quietly edited")
        cursor.execute("ALTER TABLE fund_entry ENABLE TRIGGER ALL")
    with pytest.raises(Conflict, match="ledger.chain: entry #2"):
        reserve_epoch_create()
    assert not ReserveEpoch.objects.exists()
