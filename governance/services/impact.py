"""Impact preview: the replay of recent history and the crash scenario, current vs proposed.

Computed by a Celery task and kept in the cache; the page shows "preview not available" until
the clearing app's replay (``clearing.services.replay.replay_run``) exists and has run.
"""

from __future__ import annotations

import importlib

from django.core.cache import cache

from governance.models import Proposal

CACHE_SECONDS = 6 * 3600


def impact_cache_key(proposal: Proposal) -> str:
    return f"governance:impact:{proposal.proposal_id}"


def impact_preview_get(proposal: Proposal) -> dict | None:
    return cache.get(impact_cache_key(proposal))


def _replay_runner():
    try:
        module = importlib.import_module("clearing.services.replay")
    except ImportError:
        return None
    return getattr(module, "replay_run", None)


def impact_preview_compute(*, proposal: Proposal) -> dict:
    """Run the replay under current and proposed values and cache the comparison."""
    runner = _replay_runner()
    if runner is None:
        result = {"available": False, "reason": "the replay is not installed yet"}
    else:
        overrides = {
            change["scope"]: {change["name"]: change["value"]} for change in proposal.changes
        }
        result = {
            "available": True,
            "current": runner(overrides=None),
            "proposed": runner(overrides=overrides),
        }
    cache.set(impact_cache_key(proposal), result, CACHE_SECONDS)
    return result
