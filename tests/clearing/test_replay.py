"""The replay command on the committed scenarios gives the figures in docs/clearing.md."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clearing.models import Fill, Settlement
from clearing.services.replay import replay_run
from fund.models import Entry, Fund

pytestmark = pytest.mark.django_db
SCENARIOS = Path(__file__).resolve().parents[2] / "clearing" / "scenarios"
SEED003 = SCENARIOS / "seed003_worked_examples.jsonl"


def test_seed003_worked_examples(tmp_path):
    out = tmp_path / "report.json"
    call_command("replay", str(SEED003), report=str(out))
    report = json.loads(out.read_text())
    rows = [
        (r["account"], r["bankruptcy_price"], r["close_price"], r["fund_delta"], r["deficit"])
        for r in report["liquidations"]
    ]
    assert rows == [
        ("alice", "18000", "18050", "50000000", "0"),  # scenario 1: surplus to the fund
        ("bob", "18000", "17900", "-100000000", "0"),  # scenario 2: the fund covers
        ("carol", "18182", "18000", "-1111112", "0"),  # inverse 10× long, fund covers
    ]
    # main: 1,000 USDC + 8 fee take + 50 surplus − 100 cover; btc: 1 BTC − 0.01111112
    assert report["funds"] == {"main": "958000000", "btc": "98888888"}
    assert report["liquidations"][0]["liquidation_price"] == "18090.5"


def test_rollback_mode_reports_and_keeps_nothing():
    report = replay_run(lines=SEED003.read_text().splitlines(), rollback=True)
    assert report["funds"]["main"] == "958000000"
    assert not Fund.objects.exists() and not Entry.objects.exists()


def bad(tmp_path, lines):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError) as info:
        call_command("replay", str(path))
    assert not Entry.objects.exists() and not Fill.objects.exists()
    return str(info.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("s1-alice", '"price":"20000"', '"price":"20000.05"'),
            "line 13: fill.price: 20000.05 is not a multiple of the tick 0.1",
        ),
        (
            ("s1-alice", '"qty":"1"', '"qty":"1.0001"'),
            "line 13: fill.qty: 1.0001 is not a multiple of the lot 0.001",
        ),
        (
            ("s1-alice", '"market":"BTC-USDC"', '"market":"ETH-USDC"'),
            "line 13: fill.market: unknown market 'ETH-USDC'",
        ),
        (
            ("s1-alice", '"margin":"2000000000"', '"margin":"9000000000"'),
            "line 13: fill.margin: alice holds 5000000000",
        ),
        (
            ('close","account":"alice', '"account":"alice"', '"account":"zoe"'),
            "line 19: close.account: zoe has no position in BTC-USDC",
        ),
        (
            ("18273", '"price":"18273"', '"price":"0"'),
            "line 21: mark.price: must be a positive number",
        ),
        (
            ("18273", '"price":"18273"', '"price":"5000"'),
            "line 21: mark.price: mark 5000 moves 75.0% from the last price 20000",
        ),
    ],
)
def test_bad_lines_name_the_line_and_book_nothing(tmp_path, change, expected):
    marker, old, new = change
    lines = [
        line.replace(old, new) if marker in line else line
        for line in SEED003.read_text().splitlines()
    ]
    assert expected in bad(tmp_path, lines)


def test_duplicate_fill_id_and_bad_json(tmp_path):
    lines = SEED003.read_text().splitlines()
    assert "line 14: fill id 's1-alice' repeats line 13" in bad(
        tmp_path, [*lines[:13], lines[12].replace("bob", "bob"), *lines[14:]]
    )
    assert "line 2: not valid JSON" in bad(tmp_path, [lines[0], "{oops", *lines[2:]])
    assert Settlement.objects.count() == 0
