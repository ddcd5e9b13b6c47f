"""Amounts are stored exactly on both backends: 10**30 must come back as the same int."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from fund.models import LedgerAccount

HUGE = 10**30

ROUND_TRIP = """
from fund.models import Asset, LedgerAccount
asset = Asset.objects.create(symbol="ETH", decimals=18)
account = LedgerAccount.objects.create(kind="fund", asset=asset, key="main", balance=10**30)
neg = LedgerAccount.objects.create(kind="external", asset=asset, key="w", balance=-10**30)
back = LedgerAccount.objects.get(pk=account.pk).balance
assert back == 10**30 and type(back) is int, back
assert LedgerAccount.objects.get(pk=neg.pk).balance == -10**30
print("ok")
"""


@pytest.mark.slow
def test_round_trip_on_sqlite(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    out = subprocess.run(
        [*manage, "shell", "-c", ROUND_TRIP], env=env, check=True, capture_output=True, text=True
    )
    assert out.stdout.strip().endswith("ok")


@pytest.mark.django_db
def test_round_trip_on_postgresql(usdc):
    assert connection.vendor == "postgresql"
    account = LedgerAccount.objects.create(kind="fund", asset=usdc, key="x", balance=HUGE)
    assert LedgerAccount.objects.get(pk=account.pk).balance == HUGE
    account = LedgerAccount.objects.create(kind="external", asset=usdc, key="y", balance=-HUGE)
    assert LedgerAccount.objects.get(pk=account.pk).balance == -HUGE


def test_floats_refused():
    field = LedgerAccount._meta.get_field("balance")
    with pytest.raises(Exception, match="integer amount"):
        field.get_prep_value(1.0)
