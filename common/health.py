"""Health checks for /healthz: the database, the broker and each configured JSON-RPC node.

Checks are small functions returning (ok, detail) so issues can add their own (queue depth,
oldest waiting liquidation) by appending to ``CHECKS``.
"""

from __future__ import annotations

import re
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
        return {"database": {"ok": False, "error": reason(exc)}}


def check_broker() -> dict[str, dict]:
    """Ping the broker whenever one is configured (even if tasks run eagerly, as in tests)."""
    if not settings.CELERY_BROKER_URL:
        return {"broker": {"ok": True, "mode": "eager (no broker configured)"}}
    from config.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
        mode = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "worker"
        return {"broker": {"ok": True, "transport": transport, "mode": mode}}
    except Exception as exc:
        return {"broker": {"ok": False, "error": reason(exc)}}


def rpc_call(url: str, method: str, params: list | None = None, timeout: float = 3.0):
    response = requests.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []},
        timeout=timeout,
    )
    response.raise_for_status()
    return response.json()["result"]


def reason(exc: Exception) -> str:
    """A short reason: the OS error inside a wrapped connection error, else the message."""
    text = str(exc)
    os_error = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    return (f"{type(exc).__name__}: {os_error.group(1)}" if os_error else text)[:200]


def check_rpcs() -> dict[str, dict]:
    out = {}
    for chain_id, url in settings.ETH_RPC_URLS.items():
        try:
            block = int(rpc_call(url, "eth_blockNumber"), 16)
            out[f"rpc:{chain_id}"] = {"ok": True, "block": block}
        except Exception as exc:
            # /healthz is public and an RPC URL often carries a provider key: never show it.
            error = reason(exc).replace(url.rstrip("/"), "<rpc url>")
            out[f"rpc:{chain_id}"] = {"ok": False, "error": error}
    return out


CHECKS: list[Check] = [check_database, check_broker, check_rpcs]


def health_report() -> tuple[bool, dict[str, dict]]:
    results: dict[str, dict] = {}
    for check in CHECKS:
        results.update(check())
    return all(item.get("ok") for item in results.values()), results


def check_queues() -> dict[str, dict]:
    from common.queues import queue_depths

    try:
        depths = queue_depths()
    except Exception as exc:
        return {"queues": {"ok": False, "error": str(exc)[:200]}}
    return {"queues": {"ok": True, "depth": depths if depths is not None else "eager"}}


CHECKS.append(check_queues)
