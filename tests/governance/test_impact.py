import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from governance.services.impact import (
    impact_preview_compute,
    impact_preview_get,
    report_summary,
    scenario_sandboxed,
    scenario_with_changes,
)
from tests.clearing.history import UNTIL, history_lines

pytestmark = pytest.mark.django_db

LINES = [
    '{"type":"asset","symbol":"USDC","decimals":6}',
    '{"type":"params","scope":"global","values":{"coverage_critical":"0"}}',
    '{"type":"fund","name":"main","asset":"USDC","balance":"1"}',
    '{"type":"deposit","account":"a","asset":"USDC","amount":"1"}',
]


def test_a_global_change_is_pinned_on_each_fund():
    out = scenario_with_changes(
        LINES, [{"name": "fee_take_rate", "scope": "global", "value": "0.0003"}]
    )
    assert json.loads(out[3]) == {
        "type": "params",
        "scope": "fund:main",
        "values": {"fee_take_rate": "0.0003"},
    }
    assert out[:3] == LINES[:3] and out[4] == LINES[3]


def test_a_global_only_change_goes_after_the_setup():
    out = scenario_with_changes(LINES, [{"name": "quorum", "scope": "global", "value": "7"}])
    assert json.loads(out[3]) == {"type": "params", "scope": "global", "values": {"quorum": "7"}}
    assert out[:3] == LINES[:3] and out[4] == LINES[3]


def test_a_scoped_change_replaces_the_scenarios_later_values():
    scope = "fund:preview-main"
    later = [
        '{"type":"mark","market":"preview-BTC-USDC","price":"1","ts":"2026-01-01T00:00:00Z"}',
        json.dumps(
            {"type": "params", "scope": scope, "values": {"reserve_floor": "5", "reward_rate": "0"}}
        ),
        json.dumps({"type": "params", "scope": scope, "values": {"reserve_floor": "6"}}),
    ]
    lines = [LINES[0], LINES[2].replace('"main"', '"preview-main"'), *later]
    out = scenario_with_changes(
        lines, [{"name": "reserve_floor", "scope": "fund:main", "value": "9"}]
    )
    assert [json.loads(line) for line in out[2:]] == [
        {"type": "params", "scope": scope, "values": {"reserve_floor": "9"}},
        json.loads(later[0]),
        {"type": "params", "scope": scope, "values": {"reward_rate": "0"}},
    ]


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
    assert impact_preview_get(proposal) == result
    assert result["scenarios"]["recent"]["empty"]  # the live fund saw no events
    seed = result["scenarios"]["seed003"]
    assert "error" not in seed, seed
    assert seed["current"]["liquidations"] == seed["proposed"]["liquidations"] > 0


def row_counts() -> dict[str, int]:
    labels = ("clearing", "fund", "governance", "common")
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


def test_the_task_replays_the_last_30_days_and_the_crash_and_keeps_nothing(
    make_proposal, wallets, monkeypatch
):
    from clearing.models import Settlement
    from clearing.services.replay import replay_run
    from governance.services import impact
    from governance.tasks import compute_impact_task

    replay_run(lines=history_lines(shift=timezone.now() - UNTIL))  # live: 28 days ago
    monkeypatch.setattr(
        impact, "SCENARIOS", {"crash": "clearing/scenarios/seed003_worked_examples.jsonl"}
    )
    proposal = make_proposal(
        power={wallets[0]: 1},
        name="payout_cap_per_event",
        scope="fund:main",
        value="2000000000",
        now=timezone.now() - timedelta(minutes=1),
    )
    before = row_counts()
    assert compute_impact_task(proposal.pk) == ["recent", "crash"]
    assert row_counts() == before
    result = impact_preview_get(proposal)
    recent = result["scenarios"]["recent"]
    assert recent["window"]["events"] == 7 and recent["notes"] == []
    current, proposed = recent["current"], recent["proposed"]
    live = Settlement.objects.filter(settled_at__gte=recent["window"]["start"])
    assert current["fund_paid"] == str(sum(-s.fund_delta for s in live if s.fund_delta < 0))
    # As the live books: gina's shortfall within the 80 USDC cap, alice's 80 and ADL the rest.
    adl = sum(1 for s in live if s.adl)
    assert (current["liquidations"], current["adl_events"]) == (live.count(), adl) == (2, 1)
    # A 2,000 USDC cap: the fund pays alice's shortfall as far as its balance goes.
    assert int(proposed["fund_paid"]) > int(current["fund_paid"])
    assert int(proposed["funds"]["main"]) < int(current["funds"]["main"])
    assert result["scenarios"]["crash"]["current"]["liquidations"] == 3
