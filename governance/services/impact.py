"""Impact preview: the last 30 days and the crash scenario, replayed under current and
under proposed values.

Computed by a Celery task (``compute_impact_task``) and kept in the cache, because a replay
runs the real clearing services for seconds to minutes. The replays run on the sandbox
database (``preview_sandbox``, decision 047) and roll back there; the live books are only
read: the last 30 days (``clearing.selectors.replay_export``, decision 025) and the global
values in force, which the scenario files start from. The proposal's values are put in force
for the whole replay (decision 046).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from clearing.selectors.replay_export import params_in_force_lines, replay_export
from common.exceptions import BackstopError
from governance.models import Proposal
from governance.services.preview_sandbox import preview_sandbox_open

CACHE_SECONDS = 6 * 3600
RECENT_DAYS = 30
RECENT_MAX_LINES = 3000  # two replays of this many lines fit the task's time limit
SANDBOX_SECONDS = 780  # every replay of one preview, inside the task's soft limit (840 s)
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
    """The scenario with the proposal's values in force from its start to its end.

    Each change is one params line per scope after the set-up, and later lines of the
    scenario stop setting that name at that scope (an export carries the live changes of its
    window). The scenario's own fund and market values still win over a global change, as
    they would over a real one.
    """
    scoped: dict[str, dict] = {}
    for change in changes:
        scoped.setdefault(change["scope"], {})[change["name"]] = change["value"]
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
        "funds": report.get("funds", {}),
        "fund_delta_path": path,
    }


def impact_preview_compute(
    *, proposal: Proposal, scenarios: dict | None = None, now: datetime | None = None
) -> dict:
    """Replay the last 30 days and each scenario under current and proposed values; cache it."""
    now = now or timezone.now()
    recent, recent_lines = _recent(now)
    shown = {"recent": recent}
    replayed = {"recent": recent_lines} if recent_lines else {}
    in_force = params_in_force_lines(at=now, scopes=["global"])
    for name, relative in (scenarios or SCENARIOS).items():
        text = (Path(settings.BASE_DIR) / relative).read_text(encoding="utf-8")
        shown[name] = {"title": TITLES.get(name, name)}
        replayed[name] = in_force + [line for line in text.splitlines() if line.strip()]
    for name, compared in _compared(replayed, proposal.changes).items():
        shown[name].update(compared)
    result = {"scenarios": shown}
    cache.set(impact_cache_key(proposal), result, CACHE_SECONDS)
    return result


def _recent(now: datetime) -> tuple[dict, list[str] | None]:
    """The live books' last 30 days, and its lines when they are to be replayed.

    A quiet window is said so rather than replayed.
    """
    export = replay_export(since=now - timedelta(days=RECENT_DAYS), until=now)
    scenario = {
        "title": TITLES["recent"],
        "window": {"start": export.start, "end": export.until, "events": export.events},
        "notes": export.notes,
    }
    if not export.events:
        return {**scenario, "empty": True}, None
    if len(export.lines) > RECENT_MAX_LINES:
        skipped = (
            f"{len(export.lines)} lines are more than a preview replays ({RECENT_MAX_LINES}); "
            "write them with manage.py replay_export and replay them with manage.py replay on "
            "a copy of the database"
        )
        return {**scenario, "skipped": skipped}, None
    return scenario, export.lines


def _compared(scenarios: dict[str, list[str]], changes: list[dict]) -> dict[str, dict]:
    """Each scenario's summary under current and proposed values, or what stopped it."""
    if not scenarios:
        return {}
    out: dict[str, dict] = {}
    try:
        with preview_sandbox_open(seconds=SANDBOX_SECONDS) as sandbox:
            for name, lines in scenarios.items():
                try:
                    current = sandbox.replay(name=f"{name}-current", lines=lines)
                    proposed = sandbox.replay(
                        name=f"{name}-proposed", lines=scenario_with_changes(lines, changes)
                    )
                except BackstopError as exc:
                    out[name] = {"error": exc.message}
                else:
                    out[name] = {
                        "current": report_summary(current),
                        "proposed": report_summary(proposed),
                    }
    except BackstopError as exc:  # no sandbox: it was busy, or could not be migrated
        return {name: out.get(name, {"error": exc.message}) for name in scenarios}
    return out
