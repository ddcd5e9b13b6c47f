"""The ledger's refusals, worded once for both booking paths (Python, and the server call of
decision 019): callers and tests match on the field and the words."""

from __future__ import annotations

from common.exceptions import Conflict, Invalid


def key_conflict(path: str, key: str) -> Conflict:
    return Conflict.field(
        f"{path}.key", f"idempotency key {key!r} was already used for a different entry"
    )


def no_account(path: str, index: int) -> Invalid:
    return Invalid.field(f"{path}.postings.{index}.account", "no such ledger account")


def overdraft(path: str, index: int, account: str, before: int, change: int) -> Invalid:
    """``account`` as kind:key; ``before`` is its balance before this posting's ``change``."""
    return Invalid.field(
        f"{path}.postings.{index}.amount",
        f"would overdraw {account} (balance {before}, change {change})",
    )
