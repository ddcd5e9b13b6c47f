"""Health checks for /healthz: the database, the broker and each configured JSON-RPC node.

Checks are small functions returning (ok, detail) so issues can add their own (queue depth,
oldest waiting liquidation) by appending to ``CHECKS``.
"""

from __future__ import annotations

from collections.abc import Callable

import requests
from django.conf import settings
from django.db import connection

Check = Callable[[], dict[str, dict]]


def check_database() -> dict[str, dict]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"database": {"ok": True, "vendor": connection.vendor}}
    except Exception as exc:  # any failure here means "not healthy", with the reason shown
        return {"database": {"ok": False, "error": str(exc)[:200]}}


def check_broker() -> dict[str, dict]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"broker": {"ok": True, "mode": "eager (no broker configured)"}}
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"broker": {"ok": True, "mode": "redis"}}
    except Exception as exc:
        return {"broker": {"ok": False, "error": str(exc)[:200]}}


def rpc_call(url: str, method: str, params: list | None = None, timeout: float = 3.0):
    response = requests.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []},
        timeout=timeout,
    )
    response.raise_for_status()
    return response.json()["result"]


def check_rpcs() -> dict[str, dict]:
    out = {}
    for chain_id, url in settings.ETH_RPC_URLS.items():
        try:
            block = int(rpc_call(url, "eth_blockNumber"), 16)
            out[f"rpc:{chain_id}"] = {"ok": True, "block": block}
        except Exception as exc:
            out[f"rpc:{chain_id}"] = {"ok": False, "error": str(exc)[:200]}
    return out


CHECKS: list[Check] = [check_database, check_broker, check_rpcs]


def health_report() -> tuple[bool, dict[str, dict]]:
    results: dict[str, dict] = {}
    for check in CHECKS:
        results.update(check())
    return all(item.get("ok") for item in results.values()), results
