"""Transaction-scoped advisory locks around money, in a fixed order so they never deadlock.

On PostgreSQL these are ``pg_advisory_xact_lock`` calls released at commit or rollback. SQLite
(the single-process demo) has one writer at a time already, so the call only checks that it
runs inside a transaction.
"""

from __future__ import annotations

import hashlib

from django.db import OperationalError, connection

from common.exceptions import LockTimeout


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name such as ``fund:3``."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def advisory_lock(*names: str, timeout_ms: int = 5000) -> None:
    """Take the named locks for the rest of the current transaction, in sorted order."""
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_lock() must be called inside transaction.atomic()")
    if connection.vendor != "postgresql":
        return
    keys = sorted({lock_key(name) for name in names})
    # One round trip: the timeout, then the locks in key order (statements run in sequence).
    statements = ["SET LOCAL lock_timeout = %s"] + ["SELECT pg_advisory_xact_lock(%s)"] * len(keys)
    with connection.cursor() as cursor:
        try:
            cursor.execute("; ".join(statements), [f"{int(timeout_ms)}ms", *keys])
        except OperationalError as exc:
            if "lock timeout" in str(exc):
                raise LockTimeout(f"busy: could not lock {', '.join(sorted(names))}") from exc
            raise
