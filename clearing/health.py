"""/healthz: how far settlement is behind (imported by ClearingConfig.ready)."""

from __future__ import annotations

from django.conf import settings

from common.health import CHECKS


def check_settlement_backlog() -> dict[str, dict]:
    """Not healthy when a closed liquidation waited longer than SETTLEMENT_STALE_AFTER."""
    from clearing.services.sweeper import settlement_backlog

    try:
        backlog = settlement_backlog()
    except Exception as exc:  # reported, not raised: /healthz must answer
        return {"settlement": {"ok": False, "error": str(exc)[:200]}}
    ok = backlog["oldest_seconds"] <= settings.SETTLEMENT_STALE_AFTER
    return {"settlement": {"ok": ok, **backlog}}


if check_settlement_backlog not in CHECKS:
    CHECKS.append(check_settlement_backlog)
