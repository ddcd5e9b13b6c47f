"""The custody demo step: an epoch without a chain, and nothing new on a second run."""

import pytest

from custody.demo import reserve_epoch
from custody.models import ReserveEpoch


@pytest.mark.django_db
def test_demo_step_is_idempotent_without_a_chain(settings):
    settings.ETH_RPC_URLS = {}
    lines = []
    reserve_epoch(lines.append)
    reserve_epoch(lines.append)
    assert ReserveEpoch.objects.count() == 1
    assert "no chain configured" in lines[0] and "already covers" in lines[-1]
