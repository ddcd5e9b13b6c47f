"""Beat tasks and the reserve_epoch command are thin shells over the services."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from custody.models import BalanceReading, ReserveEpoch, SafeReading
from custody.services.wallets import wallet_track
from custody.tasks import check_reorgs_task, publish_reserve_epoch_task, read_wallets_task
from tests.custody.conftest import CHAIN_ID

pytestmark = pytest.mark.django_db


def test_reserve_epoch_command_writes_the_bundle(custody_fund, settings, tmp_path):
    settings.ETH_RPC_URLS = {}
    out = StringIO()
    call_command("reserve_epoch", out=str(tmp_path / "b.json"), stdout=out)
    assert "epoch 1" in out.getvalue() and "not measured" in out.getvalue()
    assert json.loads((tmp_path / "b.json").read_text())["epoch"] == 1


@pytest.mark.chain
def test_beat_tasks_read_check_and_publish(safe_world, custody_fund):
    safe_world.mine(3)
    wallet_track(
        chain_id=CHAIN_ID, address=safe_world.safe, kind="safe", fund=custody_fund, actor="t"
    )
    assert read_wallets_task.delay().get() == {str(CHAIN_ID): safe_world.client.head() - 2}
    assert SafeReading.objects.count() == 1 and BalanceReading.objects.count() == 2
    assert check_reorgs_task.delay().get() == 0
    assert publish_reserve_epoch_task.delay().get() == 1
    assert ReserveEpoch.objects.count() == 1
