"""Impact preview: the last 30 days and the crash scenario, replayed under current and
under proposed values.

Computed by a Celery task (``compute_impact_task``) and kept in the cache, because a replay
runs the real clearing services for seconds to minutes. Every replay runs with
``rollback=True``: nothing it books stays. The last 30 days are the live books' own history
(``clearing.selectors.replay_export``, decision 025); the scenarios' funds, markets, accounts
and fill ids are renamed ``preview-…`` so they never collide with the live ones (decision
045); the proposal's values are put in force for the whole replay (decision 046).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from clearing.selectors.replay_export import replay_export
from clearing.services.replay import replay_run
from common.exceptions import BackstopError
from governance.models import Proposal
from governance.registry import REGISTRY

CACHE_SECONDS = 6 * 3600
RECENT_DAYS = 30
RECENT_MAX_LINES = 3000  # two replays of this many lines fit the task's time limit
SCENARIOS = {"crash": "clearing/scenarios/crash_day_small.jsonl"}
TITLES = {"recent": f"Last {RECENT_DAYS} days", "crash": "Crash scenario"}


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


PREFIX = "preview-"
RENAMED = {  # line type -> fields naming a fund, a market, a trader account or a fill
    "fund": ("name",),
    "market": ("symbol", "fund"),
    "deposit": ("account",),
    "fill": ("id", "account", "market"),
    "mark": ("market",),
    "close": ("account", "market"),
}


def sandboxed_scope(scope: str) -> str:
    level, _, name = scope.partition(":")
    return f"{level}:{PREFIX}{name}" if name else scope


def scenario_sandboxed(lines: list[str]) -> list[str]:
    """The scenario with its funds, markets, accounts and fill ids renamed ``preview-…``.

    The preview runs on the live database (rolled back afterwards); renaming keeps the
    scenario's "main" fund, "BTC-USDC" market or a venue fill id of the live history from
    colliding with the real ones. Assets are shared: the replay accepts an existing asset with
    the same decimals.
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


def _setup_end(records: list[dict]) -> int:
    """Where the set-up ends: after its last params line and the definitions right after it."""
    timed = next(
        (i for i, r in enumerate(records) if r["type"] in ("fill", "mark", "close")), len(records)
    )
    cut = max((i + 1 for i, r in enumerate(records[:timed]) if r["type"] == "params"), default=0)
    while cut < len(records) and records[cut]["type"] in ("asset", "fund", "market"):
        cut += 1
    return cut


def scenario_with_changes(lines: list[str], changes: list[dict]) -> list[str]:
    """The sandboxed scenario with the proposal's values in force from its start to its end.

    A fund or market change is one params line per scope after the set-up, and later lines
    of the scenario stop setting that name at that scope (an export carries the live changes
    of its window). A global change is pinned at fund scope right after each fund line: the
    live database's own global versions (shared with the sandbox) would otherwise win from
    their effective time on, and the scenario's fund and market values still win over it as
    they would over a real global change.
    """
    pinned: dict[str, str] = {}
    scoped: dict[str, dict] = {}
    for change in changes:
        param = REGISTRY.get(change["name"])
        if change["scope"] == "global" and param is not None and "fund" in param.scopes:
            pinned[change["name"]] = change["value"]
        else:
            scope = sandboxed_scope(change["scope"])
            scoped.setdefault(scope, {})[change["name"]] = change["value"]
    records = [json.loads(line) for line in lines]
    cut = _setup_end(records)
    extra = [json.dumps({"type": "params", "scope": s, "values": v}) for s, v in scoped.items()]
    out = []
    for index, (line, record) in enumerate(zip(lines, records, strict=True)):
        if index == cut:
            out += extra
        if index >= cut and record["type"] == "params":
            replaced = scoped.get(record["scope"], {})
            kept = {n: v for n, v in record["values"].items() if n not in replaced}
            if not kept:
                continue
            if len(kept) < len(record["values"]):
                line = json.dumps({**record, "values": kept})
        out.append(line)
        if record["type"] == "fund" and pinned:
            scope = f"fund:{record['name']}"
            out.append(json.dumps({"type": "params", "scope": scope, "values": pinned}))
    return out if cut < len(lines) else out + extra


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


def impact_preview_compute(
    *, proposal: Proposal, scenarios: dict | None = None, now: datetime | None = None
) -> dict:
    """Replay the last 30 days and each scenario under current and proposed values; cache it."""
    result = {"scenarios": {"recent": _recent(proposal, now or timezone.now())}}
    for name, relative in (scenarios or SCENARIOS).items():
        lines = (Path(settings.BASE_DIR) / relative).read_text().splitlines()
        result["scenarios"][name] = {
            "title": TITLES.get(name, name),
            **_compared(lines, proposal.changes),
        }
    cache.set(impact_cache_key(proposal), result, CACHE_SECONDS)
    return result


def _recent(proposal: Proposal, now: datetime) -> dict:
    """The live books' last 30 days; a quiet window is said so rather than replayed."""
    export = replay_export(since=now - timedelta(days=RECENT_DAYS), until=now)
    scenario = {
        "title": TITLES["recent"],
        "window": {"start": export.start, "end": export.until, "events": export.events},
        "notes": export.notes,
    }
    if not export.events:
        return {**scenario, "empty": True}
    if len(export.lines) > RECENT_MAX_LINES:
        return {
            **scenario,
            "skipped": f"{len(export.lines)} lines are more than a preview replays "
            f"({RECENT_MAX_LINES}); write them with manage.py replay_export and replay them "
            "with manage.py replay on a copy of the database",
        }
    return {**scenario, **_compared(export.lines, proposal.changes)}


def _compared(lines: list[str], changes: list[dict]) -> dict:
    sandboxed = scenario_sandboxed(lines)
    try:
        current = replay_run(lines=sandboxed, rollback=True)
        proposed = replay_run(lines=scenario_with_changes(sandboxed, changes), rollback=True)
    except BackstopError as exc:
        return {"error": exc.message}
    return {"current": report_summary(current), "proposed": report_summary(proposed)}
