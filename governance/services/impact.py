"""Impact preview: the crash scenario replayed under current and under proposed values.

Computed by a Celery task (``compute_impact_task``) and kept in the cache, because a replay
runs the real clearing services for seconds. The replay runs with ``rollback=True``: nothing
it books stays. The proposal's changes are added as a ``params`` line after the scenario's
own parameter lines, so they win at the same scope (a narrower scope set by the scenario
still applies). The scenario's funds, markets and accounts are renamed ``preview-…`` so they
never collide with the live ones. While the clearing app has no replay, the page says
"preview not available".
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from common.exceptions import BackstopError
from governance.models import Proposal

CACHE_SECONDS = 6 * 3600
SCENARIOS = {"crash": "clearing/scenarios/crash_day_small.jsonl"}


def impact_cache_key(proposal: Proposal) -> str:
    return f"governance:impact:{proposal.proposal_id}"


def impact_preview_get(proposal: Proposal) -> dict | None:
    return cache.get(impact_cache_key(proposal))


def impact_preview_request(proposal: Proposal) -> bool:
    """Ask a worker for the preview once (a cache marker stops repeats for 10 minutes).

    With eager Celery (no broker: the embedded mode) nothing is enqueued, because the replay
    would then run inside the page request for minutes.
    """
    from governance.tasks import compute_impact_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return False
    if cache.add(impact_cache_key(proposal) + ":requested", True, 600):
        compute_impact_task.delay(proposal.pk)
    return True


def _replay_runner():
    try:
        module = importlib.import_module("clearing.services.replay")
    except ImportError:
        return None
    return getattr(module, "replay_run", None)


PREFIX = "preview-"
RENAMED = {  # line type -> fields naming a fund, a market or a trader account
    "fund": ("name",),
    "market": ("symbol", "fund"),
    "deposit": ("account",),
    "fill": ("account", "market"),
    "mark": ("market",),
    "close": ("account", "market"),
}


def sandboxed_scope(scope: str) -> str:
    level, _, name = scope.partition(":")
    return f"{level}:{PREFIX}{name}" if name else scope


def scenario_sandboxed(lines: list[str]) -> list[str]:
    """The scenario with its funds, markets and accounts renamed ``preview-…``.

    The preview runs on the live database (rolled back afterwards); renaming keeps the
    scenario's "main" fund or "BTC-USDC" market from colliding with the real ones. Assets are
    shared: the replay accepts an existing asset with the same decimals.
    """
    out = []
    for line in lines:
        if not line.strip():
            continue
        data = json.loads(line)
        for field in RENAMED.get(data.get("type"), ()):
            if field in data:
                data[field] = PREFIX + data[field]
        if data.get("type") == "params":
            data["scope"] = sandboxed_scope(data["scope"])
        out.append(json.dumps(data))
    return out


def scenario_with_changes(lines: list[str], changes: list[dict]) -> list[str]:
    """The scenario with one params line per changed scope after its last params line."""
    by_scope: dict[str, dict] = {}
    for change in changes:
        scope = sandboxed_scope(change["scope"])
        by_scope.setdefault(scope, {})[change["name"]] = change["value"]
    extra = [json.dumps({"type": "params", "scope": s, "values": v}) for s, v in by_scope.items()]
    types = [json.loads(line).get("type") if line.strip() else None for line in lines]
    cut = max((i + 1 for i, t in enumerate(types) if t == "params"), default=0)
    while cut < len(types) and types[cut] in ("asset", "fund", "market"):
        cut += 1
    return lines[:cut] + extra + lines[cut:]


def report_summary(report: dict) -> dict:
    """What the page shows: fund paid, ADL events, the fund's balance path, final balances."""
    liquidations = report.get("liquidations", [])
    deltas = [int(item["fund_delta"]) for item in liquidations]
    path, running = [], 0
    for delta in deltas:
        running += delta
        path.append(str(running))
    return {
        "liquidations": len(liquidations),
        "fund_paid": str(-sum(d for d in deltas if d < 0)),
        "fund_taken": str(sum(d for d in deltas if d > 0)),
        "adl_events": sum(1 for item in liquidations if item.get("adl")),
        "socialized": str(sum(int(item.get("socialized", "0")) for item in liquidations)),
        "funds": {name.removeprefix(PREFIX): v for name, v in report.get("funds", {}).items()},
        "fund_delta_path": path,
    }


def impact_preview_compute(*, proposal: Proposal, scenarios: dict | None = None) -> dict:
    """Replay each scenario under current and proposed values and cache the comparison."""
    runner = _replay_runner()
    if runner is None:
        result = {"available": False, "reason": "the replay is not installed yet"}
    else:
        result = {"available": True, "scenarios": {}}
        for name, relative in (scenarios or SCENARIOS).items():
            lines = scenario_sandboxed(
                (Path(settings.BASE_DIR) / relative).read_text().splitlines()
            )
            try:
                current = runner(lines=lines, rollback=True)
                proposed = runner(
                    lines=scenario_with_changes(lines, proposal.changes), rollback=True
                )
            except BackstopError as exc:
                result["scenarios"][name] = {"error": exc.message}
                continue
            result["scenarios"][name] = {
                "current": report_summary(current),
                "proposed": report_summary(proposed),
            }
    cache.set(impact_cache_key(proposal), result, CACHE_SECONDS)
    return result
