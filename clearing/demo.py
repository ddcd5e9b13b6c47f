"""Demo step of clearing: seed 003's worked examples and a small crash day, through the replay.

Both scenarios get their own funds and market names here, so they sit beside the fund demo's
``main`` and ``btc`` funds without touching them. Running the demo again changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from clearing.models import Market
from clearing.scenarios.crash import crash_scenario_lines
from clearing.services.replay import replay_run
from common.demo import demo_step

SEED003 = Path(__file__).resolve().parent / "scenarios" / "seed003_worked_examples.jsonl"
NAMED = ("name", "fund", "symbol", "market")


def renamed(lines: list[str], names: dict[str, str]) -> list[str]:
    """The scenario with its funds and markets renamed (also inside params scopes)."""
    out = []
    for line in lines:
        row = json.loads(line)
        if row["type"] != "asset":
            for key in NAMED:
                if row.get(key) in names:
                    row[key] = names[row[key]]
        if row["type"] == "params" and ":" in row["scope"]:
            level, _, name = row["scope"].partition(":")
            row["scope"] = f"{level}:{names.get(name, name)}"
        out.append(json.dumps(row))
    return out


SCENARIOS = [
    (
        "seed 003 worked examples",
        lambda: SEED003.read_text().splitlines(),
        {
            "main": "seed003-usdc",
            "btc": "seed003-btc",
            "BTC-USDC": "S3-BTC-USDC",
            "BTC-USD": "S3-BTC-USD",
        },
    ),
    (
        "crash day (10 Oct 2025 shape, 60 accounts)",
        lambda: crash_scenario_lines(accounts=60, seed=20251010),
        {"main": "crash-usdc", "btc": "crash-btc"},
    ),
]


@demo_step(30, "Clearing: seed 003's liquidations and a small crash day, replayed")
def clearing_demo(say) -> None:
    for title, lines, names in SCENARIOS:
        scenario = renamed(lines(), names)
        first_market = next(
            json.loads(x)["symbol"] for x in scenario if '"market"' in x and '"kind"' in x
        )
        if Market.objects.filter(symbol=first_market).exists():
            say(f"{title}: already replayed")
            continue
        report = replay_run(lines=scenario)
        totals = report["totals"]
        say(
            f"{title}: {len(report['liquidations'])} liquidations, fund delta "
            f"{totals['fund_delta']}, socialized {totals['socialized']} (/clearing/)"
        )
