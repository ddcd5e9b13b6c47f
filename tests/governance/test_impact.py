import json

import pytest

from governance.services.impact import (
    impact_preview_compute,
    impact_preview_get,
    report_summary,
    scenario_sandboxed,
    scenario_with_changes,
)

pytestmark = pytest.mark.django_db

LINES = [
    '{"type":"asset","symbol":"USDC","decimals":6}',
    '{"type":"params","scope":"global","values":{"coverage_critical":"0"}}',
    '{"type":"fund","name":"main","asset":"USDC","balance":"1"}',
    '{"type":"deposit","account":"a","asset":"USDC","amount":"1"}',
]


def test_changes_go_after_the_scenario_setup():
    out = scenario_with_changes(
        LINES, [{"name": "fee_take_rate", "scope": "global", "value": "0.0003"}]
    )
    assert json.loads(out[3]) == {
        "type": "params",
        "scope": "global",
        "values": {"fee_take_rate": "0.0003"},
    }
    assert out[:3] == LINES[:3] and out[4] == LINES[3]


def test_scenario_is_sandboxed_from_live_funds_and_markets():
    line = '{"type":"market","symbol":"BTC-USDC","kind":"linear","fund":"main","lot":"1"}'
    params = '{"type":"params","scope":"fund:main","values":{}}'
    fill = '{"type":"fill","account":"alice","market":"BTC-USDC"}'
    out = [json.loads(x) for x in scenario_sandboxed([LINES[0], line, params, fill])]
    assert out[0]["symbol"] == "USDC"
    assert (out[1]["symbol"], out[1]["fund"]) == ("preview-BTC-USDC", "preview-main")
    assert out[2]["scope"] == "fund:preview-main"
    assert (out[3]["account"], out[3]["market"]) == ("preview-alice", "preview-BTC-USDC")
    changed = scenario_with_changes(
        out and [json.dumps(x) for x in out],
        [{"name": "reserve_floor", "scope": "fund:main", "value": "1"}],
    )
    assert json.loads(changed[3])["scope"] == "fund:preview-main"


def test_report_summary():
    report = {
        "liquidations": [
            {"fund_delta": "-5", "adl": [{"account": "x"}]},
            {"fund_delta": "7", "adl": []},
        ],
        "funds": {"main": "9"},
    }
    assert report_summary(report) == {
        "liquidations": 2,
        "fund_paid": "5",
        "fund_taken": "7",
        "adl_events": 1,
        "socialized": "0",
        "funds": {"main": "9"},
        "fund_delta_path": ["-5", "2"],
    }


def test_preview_replays_and_is_cached(make_proposal, wallets):
    from clearing.services.replay import replay_run

    replay_run(lines=LINES[:3])  # a live fund "main": the preview must not collide with it
    proposal = make_proposal(power={wallets[0]: 1}, name="adl_policy", value="socialize")
    scenarios = {"seed003": "clearing/scenarios/seed003_worked_examples.jsonl"}
    result = impact_preview_compute(proposal=proposal, scenarios=scenarios)
    assert result["available"] and impact_preview_get(proposal) == result
    seed = result["scenarios"]["seed003"]
    assert "error" not in seed, seed
    assert seed["current"]["liquidations"] == seed["proposed"]["liquidations"] > 0
