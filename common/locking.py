"""Transaction-scoped advisory locks around money, in a fixed order so they never deadlock.

On PostgreSQL these are ``pg_advisory_xact_lock`` calls released at commit or rollback. SQLite
(the single-process demo) has one writer at a time already, so the call only checks that it
runs inside a transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db import OperationalError, connection

from common.exceptions import LockBusy, LockTimeout


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name such as ``fund:3``."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def advisory_lock(
    *names: str,
    timeout_ms: int = 5000,
    then: Sequence[tuple[str, Sequence]] = (),
    unless_busy: str | None = None,
) -> list[list[tuple]]:
    """Take the named locks for the rest of the current transaction, in sorted order, then
    run the ``then`` statements (SQL, parameters) and return each one's rows.

    On PostgreSQL the locks and the ``then`` statements go in one round trip: a settlement
    reads what it decides from right after locking its fund, and a round trip per read was
    most of the one-by-one path's fixed cost (decision 036).

    ``unless_busy`` names a lock taken first and without waiting: when another transaction
    holds it, ``LockBusy`` is raised before anything else is locked or read. It marks work
    whose holder will see to the newcomer's share, so a worker with other work queued moves
    on instead of idling behind it (decision 039).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_lock() must be called inside transaction.atomic()")
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            results = []
            for sql, params in then:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
            return results
        keys = sorted({lock_key(name) for name in names})
        if unless_busy is not None:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_key(unless_busy)])
            if not cursor.fetchone()[0]:
                raise LockBusy(f"busy: {unless_busy} is held by another transaction")
        # The timeout, the locks in key order, then the reads (statements run in sequence).
        statements = ["SET LOCAL lock_timeout = %s"]
        statements += ["SELECT pg_advisory_xact_lock(%s)"] * len(keys)
        params = [f"{int(timeout_ms)}ms", *keys]
        for sql, values in then:
            statements.append(sql)
            params.extend(values)
        try:
            cursor.execute("; ".join(statements), params)
        except OperationalError as exc:
            if "lock timeout" in str(exc):
                raise LockTimeout(f"busy: could not lock {', '.join(sorted(names))}") from exc
            raise
        for _ in range(1 + len(keys)):
            cursor.nextset()
        results = []
        for _ in then:
            results.append(cursor.fetchall())
            cursor.nextset()
        return results
