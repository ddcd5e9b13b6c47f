"""The audit log: every admin or governance action appends one hash-chained row."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.canonical import GENESIS_HASH, canonical_json, chain_hash
from common.locking import advisory_lock
from common.models import AuditEntry


def audit_log_write(
    *,
    actor: str,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append an entry; joins the caller's transaction so the log and the change commit together."""
    with transaction.atomic():
        advisory_lock("audit-log")
        last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        entry = AuditEntry(
            seq=(last.seq + 1) if last else 1,
            at=timezone.now(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            # Round-trip through canonical JSON now, so the hashed form is exactly what the
            # database keeps and reads back (tuples become lists, Decimals strings, …).
            before=json.loads(canonical_json(before)),
            after=json.loads(canonical_json(after)),
            prev_hash=last.hash if last else GENESIS_HASH,
        )
        entry.hash = chain_hash(entry.prev_hash, entry.chained_content())
        entry.save()
        return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def audit_chain_verify(entries: Iterable[AuditEntry] | None = None) -> ChainProblem | None:
    """Recompute the chain; return the first broken link, or None when it all holds."""
    prev = GENESIS_HASH
    expected_seq = 1
    rows = entries if entries is not None else AuditEntry.objects.order_by("seq").iterator()
    for entry in rows:
        if entry.seq != expected_seq:
            return ChainProblem(entry.seq, f"sequence gap: expected {expected_seq}")
        if entry.prev_hash != prev:
            return ChainProblem(entry.seq, "prev_hash does not match the previous entry")
        if chain_hash(prev, entry.chained_content()) != entry.hash:
            return ChainProblem(entry.seq, "content does not match its hash (row was altered)")
        prev = entry.hash
        expected_seq += 1
    return None
