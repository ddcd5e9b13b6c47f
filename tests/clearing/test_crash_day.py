"""The committed crash-day scenario (10 Oct 2025 shape) replays to the documented figures."""

import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from clearing.models import Liquidation, Settlement
from clearing.scenarios.crash import crash_scenario_lines
from fund.models import LedgerAccount
from fund.services.ledger_verify import balances_verify

SMALL = Path(__file__).resolve().parents[2] / "clearing" / "scenarios" / "crash_day_small.jsonl"


def test_generator_is_deterministic_and_matches_the_committed_file():
    lines = crash_scenario_lines(accounts=200, seed=20251010)
    assert lines == SMALL.read_text().splitlines()
    assert crash_scenario_lines(accounts=50, seed=7) == crash_scenario_lines(accounts=50, seed=7)


@pytest.mark.django_db
def test_crash_day_small_replay(tmp_path):
    out = tmp_path / "report.json"
    call_command("replay", str(SMALL), report=str(out))
    report = json.loads(out.read_text())
    assert report["funds"] == {"main": "32479347474", "btc": "6112645"}
    assert report["totals"] == {
        "fund_delta": "-10426201082",
        "socialized": "3259848",
        "deficit": "0",
        "review": "0",
    }
    rows = report["liquidations"]
    shape = Counter((r["market"], bool(r["adl"]), r["socialized"] != "0") for r in rows)
    assert shape == {
        ("BTC-USDC", False, False): 46,
        ("BTC-USDC", True, False): 43,  # the fund's per-event cap left the rest to ADL
        ("BTC-USD", False, False): 9,
        ("BTC-USD", False, True): 11,  # socialized over the inverse market's winners
    }
    assert not Liquidation.objects.exclude(status="settled").exists()
    assert Settlement.objects.count() == 109
    # Books: every asset sums to zero, protected accounts are not negative, caches hold.
    for asset_id in LedgerAccount.objects.values_list("asset", flat=True).distinct():
        assert (
            sum(LedgerAccount.objects.filter(asset=asset_id).values_list("balance", flat=True)) == 0
        )
    assert balances_verify() is None
