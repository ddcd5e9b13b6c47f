"""Canonical JSON and hash chaining shared by the audit log and the ledger.

Canonical JSON: sorted keys, no whitespace, UTF-8, integers as JSON numbers only when small
enough to be exact everywhere; callers pass amounts as strings.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def chain_hash(prev_hash: str, data: Any) -> str:
    """sha256(prev_hash || canonical_json(data)) as hex; prev_hash is hex of the previous link."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_json(data)).hexdigest()
